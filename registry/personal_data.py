"""Personal data in free text, found and masked before anything is published (issue 13).

Pure: no database, no web imports. ``mask_personal_data(text)`` returns the text with each
finding replaced by the mask of its kind, and the findings (offsets in the original text) so the
participation service can tell the submitter and the moderator what was removed, by
``KIND_LABELS`` in their language.

Validation is the maintained libraries' (``phonenumbers`` for phone numbers, ``python-stdnum``
for the check digits of the Chinese resident identity number, the Dutch BSN and bank cards);
only the scanning, finding candidates in running text, is written here, because those
libraries check a value already cut out (stdnum) or only know phone numbers (phonenumbers),
and neither knows which numbers in a sentence are amounts, years or version numbers. The UK
National Insurance number has no validator in stdnum (it has no check digit); its rules (the
format, the letters never used, the prefixes never allocated) are written here. Of
``stdnum.cn.ric`` the check digit and the birth date are used, not its birthplace check: it
refuses a county code younger than its holder (440307, Shenzhen Longgang since 1993, for someone
born in 1990), but a code is the one where the number was issued, and a real number must never
escape masking for that.

Masks. One mask per kind, the same in English and Chinese text: a symbol that says what was
removed, and bullets that say it was hidden, in square brackets: ``[☎ •••]``. Bullets are how
both English and Chinese interfaces show a hidden value (a password, a card's hidden digits); the
symbols (✉ ☎ 💳 🏠, and the Latin "ID" that Chinese text uses as well: 用户ID, ID号) need no
translation, and screen readers speak them in the reader's language ("telephone", "电话"). A
bilingual mask ("[phone number removed / 电话号码已隐去]") doubles every mask's length and reads
as a foreign aside in either language; a word in one language reads wrong in the other. The page
showing masked text explains the masks with ``KIND_LABELS``. Masks hold no digit and nothing
any detector finds; and because a mask can uncover a neighbour (a phone number written against
a masked word), the masked text is read again until nothing more is found, so masking masked
text changes nothing.

Decisions on doubtful numbers:
- An 18-character number shaped like a Chinese resident identity number (six digits, a birth
  date that exists and is not in the future, three digits, a digit or X) whose check digit is
  wrong is masked all the same, as ``cn_resident_id``: a mistyped identity number still
  identifies a person, and ordinary text has no 18-digit runs with a birth date in the middle.
- A 9-digit number failing the 11-test, and a 13-19 digit number failing Luhn, are left: such
  numbers are common in ordinary text (case numbers, amounts, counts).
- A 9-digit or card-length number that is part of an amount or a decimal (after a currency sign
  or a digit and a decimal point, before %, 元, 万, ...) is left, and so is a run of four-digit
  years ("2019 2020 2021 2022"), which Luhn would pass one time in ten, and a card-length number
  not starting as payment cards do (3-6, 22-27): order numbers and timestamps (2023121500...).
- Phone numbers are those written as people write them (see ``_phones``): a bare 10-digit run
  (3759459924), which phonenumbers would take for a Chinese landline without its trunk 0, is
  left, as are 400/800 company lines written without a prefix.
- Street addresses are recognised by their shape: a number and a street type in English ("12
  High Street", "Flat 3, 10 Downing St", with a postcode after it), a street-type suffix and a
  number in Dutch ("Kerkstraat 12", "Van Baerlestraat 51-3", "..., 3512 AB"), and in Chinese a
  road (路 街 道 巷 弄 胡同) with a number and 号, and any 栋 / 单元 / 室 after it, the
  district and city before it included, the clause before it ("我住在", "门口的") not.

Not found (yet): house numbers in Chinese numerals (中山路十二号), a place without a street
(a postcode alone, a village), the old 15-digit identity numbers (expired since 2013), QQ and
WeChat accounts, IBANs, obfuscated addresses ("jo at example dot org"), names of people.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers
from stdnum import luhn
from stdnum.cn import ric
from stdnum.nl import bsn

KINDS: tuple[str, ...] = (
    "email",
    "phone",
    "cn_resident_id",
    "nl_bsn",
    "uk_nino",
    "bank_card",
    "street_address",
)

MASKS: dict[str, str] = {
    "email": "[✉ •••]",
    "phone": "[☎ •••]",
    "cn_resident_id": "[ID •••]",
    "nl_bsn": "[ID •••]",
    "uk_nino": "[ID •••]",
    "bank_card": "[💳 •••]",
    "street_address": "[🏠 •••]",
}

KIND_LABELS: dict[str, dict[str, str]] = {
    "email": {"en": "email address", "zh-CN": "电子邮箱地址"},
    "phone": {"en": "phone number", "zh-CN": "电话号码"},
    "cn_resident_id": {"en": "Chinese resident identity number", "zh-CN": "居民身份证号码"},
    "nl_bsn": {"en": "Dutch citizen service number (BSN)", "zh-CN": "荷兰公民服务号（BSN）"},
    "uk_nino": {"en": "UK National Insurance number", "zh-CN": "英国国民保险号码"},
    "bank_card": {"en": "bank card number", "zh-CN": "银行卡号"},
    "street_address": {"en": "street address", "zh-CN": "街道地址"},
}

#: Regions whose national formats are looked for; numbers with a leading +cc are found anyway.
PHONE_REGIONS: tuple[str, ...] = ("CN", "NL", "GB")
#: Numbers the region's metadata calls valid (POSSIBLE takes any digit run of a right length).
_PHONE_LENIENCY = phonenumbers.Leniency.VALID
# No valid number in these regions, nor one with +cc, has fewer than 7 digits.
_PHONE_MIN_DIGITS = 7
# Digits and the separators phone numbers are written with (the matcher's: dashes, slashes, dots,
# brackets, tildes, spaces), after a + or an opening bracket.
_PHONE_SPAN = re.compile(r"[+(\[]?[0-9][0-9\s\-‐-―−ー/.()\[\]~⁓∼～]*[0-9]\)?")
_PHONE_START = re.compile(r"\+|(?<![0-9])(?:[01]|86|31|44)")
_PHONE_EXTENSION = re.compile(r".?\s*(?:ext\.?|x|#|转|分机)\s*[0-9]{1,6}", re.IGNORECASE)
_ZH_EXTENSION = re.compile(r"\s*(?:转|分机)\s*[0-9]{1,6}(?![0-9])")
_TRUNK_PREFIX = re.compile(r"(?<![0-9])0[0-9]")


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind (one of ``KINDS``) and where it is in the original
    text (``text[start:end]``)."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class MaskResult:
    """The masked text, and the findings in the original's order, none overlapping."""

    text: str
    findings: tuple[Finding, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        """The distinct kinds found, in the order of ``KINDS``."""
        found = {f.kind for f in self.findings}
        return tuple(k for k in KINDS if k in found)


# Full-width ASCII forms (１２３，ＡＢ) and the ideographic space, read as their ASCII twins.
# One character for one character, so offsets in the scanned text are offsets in the original.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)

# A run of digit groups joined by one space or dash; an identity number may end in X.
_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9]+(?:[ \-][0-9]+)*(?:[Xx](?![A-Za-z])|(?![0-9]))")
_BSN_DOTTED = re.compile(r"(?<![0-9.,])[0-9]{4}\.[0-9]{2}\.[0-9]{3}(?![0-9]|[.,][0-9])")
_GROUP = re.compile(r"[0-9]+[Xx]?")
_AMOUNT_BEFORE = re.compile(r"(?:[0-9][.,]|[¥￥$€£₩]\s?|[Vv]|RMB\s?|CNY\s?|EUR\s?|GBP\s?)$")
_AMOUNT_AFTER = re.compile(r"^(?:[.,][0-9]|\s?(?:%|‰|元|万|亿|円|块|年|岁|kg|km))")

# UK National Insurance number: no D, F, I, Q, U, V in the prefix, no O second; the prefixes
# BG, GB, KN, NK, NT, TN and ZZ are never allocated; the suffix letter A-D may be left off.
# Written in capitals; in small letters only with the suffix ("ab123456c"), since two small
# letters and six digits are ordinary words ("on 123456").
_NINO = re.compile(
    r"(?<![A-Za-z0-9])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r" ?[0-9]{2} ?[0-9]{2} ?[0-9]{2}(?: ?[A-D])?(?![A-Za-z0-9])"
)
_NINO_ANY_CASE = re.compile(
    r"(?i)(?<![A-Z0-9])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r" ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D](?![A-Z0-9])"
)

_EN_STREET_TYPES = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Way|Place|Pl|Court|Ct|Crescent|"
    "Terrace|Gardens|Square|Sq|Hill|Grove|Row|Walk|Mews|Boulevard|Blvd|Parade"
)
_EN_ADDRESS = re.compile(
    r"(?<![A-Za-z0-9])"
    r"(?:(?:Flat|Apartment|Apt\.?|Unit|Suite|Room)\s?[0-9]{1,4}[A-Za-z]?,?\s+)?"
    r"(?!(?:19|20)[0-9]{2}\b)[0-9]{1,5}[A-Za-z]?,?\s+"  # not a year: "In 2019 Downing Street"
    r"(?:[A-Z][A-Za-z'\-]+\s+){1,3}"
    rf"(?:{_EN_STREET_TYPES})\b"
    # and a postcode after it, with the town between: "10 Downing Street, London SW1A 2AA"
    r"(?:(?:,?\s+[A-Z][a-z]+){0,3},?\s+[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][A-Z]{2}(?![A-Za-z0-9]))?"
)
_NL_ADDRESS = re.compile(
    r"(?<![A-Za-z])(?:[A-Z][a-z]+\s+(?:(?:van|de|der|den|het|'t)\s+)*){0,2}"
    r"[A-Z][a-z]*(?:straat|laan|weg|plein|gracht|kade|singel|dijk|dreef|hof|steeg|markt|"
    r"plantsoen|baan|park|wal)"
    r"\s+[0-9]{1,5}(?:\s?[A-Za-z](?![A-Za-z]))?(?:[\-/][0-9A-Za-z]{1,4})?(?![0-9])"
    # and a postcode after it: "Kerkstraat 12, 3512 AB" (no postcode has SA, SD or SS)
    r"(?:,?\s+[1-9][0-9]{3}\s?(?!SA|SD|SS)[A-Z]{2}(?![A-Za-z0-9]))?"
)
_ZH_ADDRESS = re.compile(
    r"(?P<name>[\u4e00-\u9fff]{1,10}?)(?:路|街|道|巷|弄|胡同)"
    r"(?:[0-9]{1,5}(?:弄|巷))?[0-9]{1,5}(?:-[0-9]{1,5})?(?:号|號)(?:院)?"
    r"(?:[0-9]{1,4}(?:号楼|栋|幢|座|楼))?(?:[0-9]{1,3}单元)?(?:[0-9]{1,5}(?:室|层|楼|号房))?"
)
# A road's name starts after the last of these ("门口的中山路", "我住在中山路", "地址是..."),
# and after the words leading into an address at its start ("家住", "寄往", "位于").
_ZH_BREAKS = "的在是住到从"
_ZH_LEAD = re.compile(r"(?:我|他|她|们|家|住|在|于|位|地址|是|为|到|去|往|来|从|寄|送|搬)+")
# Words ending in 路/街/道 that are no road ("我知道3号方案", "频道5号").
_ZH_NOT_ROADS = re.compile(
    r"(?:知道|难道|报道|渠道|频道|味道|轨道|赛道|通道|管道|街道办|思路|线路|电路|网路|出路|套路|一路)"
)


def mask_personal_data(text: str) -> MaskResult:
    """The text with each piece of personal data replaced by its kind's mask, and the findings.

    A mask can change what its neighbours look like: a phone number written against a word
    (``13812345678Kerkstraat 12``) is no phone number to the matcher until the street address
    beside it is masked. So the masked text is read again, and what is found there is added (in
    the original's offsets), until nothing more is found: masking masked text changes nothing.
    """
    findings = _find(text)
    for _ in range(_MAX_PASSES):
        if not findings:
            break
        more = _find(_masked(text, findings))
        if not more:
            break
        findings = _merge([*findings, *(_in_original(f, findings) for f in more)])
    return MaskResult(text=_masked(text, findings), findings=tuple(findings))


_MAX_PASSES = 4


def _find(text: str) -> list[Finding]:
    scan = text.translate(_FULL_WIDTH)
    return _merge(
        [
            *_emails(scan),
            *_phones(scan),
            *_digit_identifiers(scan),
            *_ninos(scan),
            *_addresses(scan),
        ]
    )


def _masked(text: str, findings: list[Finding]) -> str:
    parts: list[str] = []
    at = 0
    for f in findings:
        parts += [text[at : f.start], MASKS[f.kind]]
        at = f.end
    parts.append(text[at:])
    return "".join(parts)


def _in_original(found: Finding, findings: list[Finding]) -> Finding:
    """A finding in the masked text, in the offsets of the original (a mask it touches whole)."""
    start, end = found.start, found.end
    shift = 0  # masked offset minus original offset, after the masks passed so far
    for f in findings:
        mask_start = f.start + shift
        mask_end = mask_start + len(MASKS[f.kind])
        if found.start >= mask_end:
            start = found.start - (shift + len(MASKS[f.kind]) - (f.end - f.start))
        elif found.start >= mask_start:
            start = f.start
        if found.end > mask_end:
            end = found.end - (shift + len(MASKS[f.kind]) - (f.end - f.start))
        elif found.end > mask_start:
            end = f.end
        shift += len(MASKS[f.kind]) - (f.end - f.start)
    return Finding(found.kind, start, end)


def _emails(scan: str) -> Iterator[Finding]:
    if "@" not in scan:
        return
    for m in _EMAIL.finditer(scan):
        yield Finding("email", m.start(), m.end())


def _phones(scan: str) -> Iterator[Finding]:
    """Phone numbers, by ``PhoneNumberMatcher`` on the stretches of text that could hold one.

    The matcher reads all of a text once per region (~10 ms per region for 5,000 characters of
    prose, more for a table of numbers), so it is given only each run of at least 7 digits
    written with the separators phone numbers use, with one character either side (the matcher
    refuses a number touching a letter) and an extension after it.

    Only runs starting as people write phone numbers are shown to the matcher: + or 00
    (international), 86, 31 or 44 (a country code without its +), 0 (a trunk prefix: landlines
    with their area code, 010-12345678, 020 7946 0018) or 1 (a Chinese mobile). The matcher alone
    also takes a bare 10-11 digit run (3759459924) for a Chinese landline written without its 0,
    which would mask order and case numbers in ordinary text; and China's 400/800 numbers are
    companies' lines. Every region reads +cc and 00 numbers; the Dutch and British passes are
    needed only for a national number, which starts with 0.
    """
    for m in _PHONE_SPAN.finditer(scan):
        span = m.group()
        if sum(c.isdigit() for c in span) < _PHONE_MIN_DIGITS or not _PHONE_START.search(span):
            continue
        start = max(0, m.start() - 1)
        extension = _PHONE_EXTENSION.match(scan, m.end())
        end = extension.end() if extension else min(len(scan), m.end() + 1)
        window = scan[start:end]
        regions = PHONE_REGIONS if _TRUNK_PREFIX.search(span) else PHONE_REGIONS[:1]
        for region in regions:
            matcher = phonenumbers.PhoneNumberMatcher(
                window, region, leniency=_PHONE_LENIENCY, min_candidate_length=_PHONE_MIN_DIGITS
            )
            for found in matcher:
                # the matcher knows "ext." and "x", not the Chinese 转 / 分机 (extension)
                tail = _ZH_EXTENSION.match(scan, start + found.end)
                yield Finding(
                    "phone", start + found.start, tail.end() if tail else start + found.end
                )


def _digit_identifiers(scan: str) -> Iterator[Finding]:
    for m in _BSN_DOTTED.finditer(scan):
        if bsn.is_valid(m.group().replace(".", "")):
            yield Finding("nl_bsn", m.start(), m.end())
    for run in _DIGIT_RUN.finditer(scan):
        amount = bool(
            _AMOUNT_BEFORE.search(scan[max(0, run.start() - 4) : run.start()])
            or _AMOUNT_AFTER.match(scan[run.end() : run.end() + 3])
        )
        groups = list(_GROUP.finditer(scan, run.start(), run.end()))
        # every stretch of whole groups with an identifier's length: "110105 19491231 002X" is
        # one number, "13812345678 123456782" two
        for i, first in enumerate(groups):
            digits = ""
            lengths: list[int] = []
            for group in groups[i:]:
                if lengths and lengths[-1] < 2:  # only a last group has one digit (4-4-4-1)
                    break
                digits += group.group()
                lengths.append(len(group.group()))
                if len(digits) > _LONGEST:
                    break
                if len(digits) in _LENGTHS:
                    kind = _identifier_kind(digits, lengths, amount=amount)
                    if kind:
                        yield Finding(kind, first.start(), group.end())


# The lengths of a BSN (9), a bank card (13-19) and a resident identity number (18).
_LENGTHS = frozenset({9, *range(13, 20)})
_LONGEST = max(_LENGTHS)


def _identifier_kind(digits: str, lengths: list[int], *, amount: bool) -> str | None:
    """Which identifier a candidate (its groups' digits joined) is, if any. ``amount``: the run
    reads as an amount or a decimal, which only an identity number's structure outweighs."""
    single = len(lengths) == 1
    if len(digits) == 18 and _cn_resident_id(digits, precaution=single):
        return "cn_resident_id"
    if amount or not digits.isdigit():
        return None
    if len(digits) == 9 and (single or lengths == [4, 2, 3]) and bsn.is_valid(digits):
        return "nl_bsn"
    if (
        13 <= len(digits) <= 19
        and digits.startswith(_CARD_PREFIXES)
        and _card_grouping(digits, lengths)
        and luhn.is_valid(digits)
    ):
        return "bank_card"
    return None


def _cn_resident_id(number: str, *, precaution: bool) -> bool:
    """An 18-character resident identity number with a plausible birth date; with a right check
    digit, or (``precaution``: written as one run) with any check digit."""
    number = number.upper()
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return False
    if number[0] not in "12345678":  # province codes run from 11 to 82
        return False
    try:
        born = ric.get_birth_date(number)
    except Exception:  # stdnum raises its InvalidComponent for a date that does not exist
        return False
    if not (datetime.date(1880, 1, 1) <= born <= datetime.date.today()):
        return False
    return precaution or ric.calc_check_digit(number) == number[17]


# The first digits of payment cards (Amex, Diners, JCB 3; Visa 4; Mastercard 51-55 and 22-27;
# UnionPay, Discover, Maestro 6): dates and order numbers starting 19.., 20.. are left.
_CARD_PREFIXES = ("3", "4", "5", "6", "22", "23", "24", "25", "26", "27")


def _card_grouping(digits: str, lengths: list[int]) -> bool:
    """One run, or grouped as cards are printed (4-4-4-4, 4-4-4-4-3, 4-6-5, 4-6-4), and not a
    list of years."""
    if len(lengths) == 1:
        return True
    if lengths in ([4, 6, 5], [4, 6, 4]):
        return True
    if any(n != 4 for n in lengths[:-1]) or lengths[-1] > 4:
        return False
    years = [digits[k : k + 4] for k in range(0, len(digits), 4)]
    return not (all(n == 4 for n in lengths) and all(y.startswith(("19", "20")) for y in years))


def _ninos(scan: str) -> Iterator[Finding]:
    for pattern in (_NINO, _NINO_ANY_CASE):
        for m in pattern.finditer(scan):
            yield Finding("uk_nino", m.start(), m.end())


def _addresses(scan: str) -> Iterator[Finding]:
    for pattern in (_EN_ADDRESS, _NL_ADDRESS):
        for m in pattern.finditer(scan):
            yield Finding("street_address", m.start(), m.end())
    for m in _ZH_ADDRESS.finditer(scan):
        name = m.group("name")
        start = m.start() + max(name.rfind(c) for c in _ZH_BREAKS) + 1
        lead = _ZH_LEAD.match(scan, start)
        start = lead.end() if lead else start
        if start < m.end("name") and not _ZH_NOT_ROADS.match(scan, start):
            yield Finding("street_address", start, m.end())


def _merge(findings: list[Finding]) -> list[Finding]:
    """Overlapping findings as one, of the kind covering the most characters (ties: KINDS order)."""
    ordered = sorted(findings, key=lambda f: (f.start, -f.end, KINDS.index(f.kind)))
    merged: list[Finding] = []
    for f in ordered:
        if merged and f.start < merged[-1].end:
            last = merged[-1]
            kind = last.kind if last.end - last.start >= f.end - f.start else f.kind
            merged[-1] = Finding(kind, last.start, max(last.end, f.end))
        else:
            merged.append(f)
    return merged
