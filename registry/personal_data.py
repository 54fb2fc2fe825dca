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
format, the letters never used, the prefixes never allocated) are written here.

Masks. One mask per kind, the same in English and Chinese text: a symbol that says what was
removed, and bullets that say it was hidden, in square brackets: ``[☎ •••]``. Bullets are how
both English and Chinese interfaces show a hidden value (a password, a card's hidden digits); the
symbols (✉ ☎ 💳 🏠, and the Latin "ID" that Chinese text uses as well: 用户ID, ID号) need no
translation, and screen readers speak them in the reader's language ("telephone", "电话"). A
bilingual mask ("[phone number removed / 电话号码已隐去]") doubles every mask's length and reads
as a foreign aside in either language; a word in one language reads wrong in the other. The page
showing masked text explains the masks with ``KIND_LABELS``. Masks hold no digit and nothing
any detector finds, so masking masked text changes nothing.

Decisions on doubtful numbers:
- An 18-character number shaped like a Chinese resident identity number (six digits, a birth
  date that exists and is not in the future, three digits, a digit or X) whose check digit is
  wrong is masked all the same, as ``cn_resident_id``: a mistyped identity number still
  identifies a person, and ordinary text has no 18-digit runs with a birth date in the middle.
- A 9-digit number failing the 11-test, and a 13-19 digit number failing Luhn, are left: such
  numbers are common in ordinary text (case numbers, amounts, counts).
- Numbers that are parts of amounts or decimals (after a currency sign or a digit and a decimal
  point, before %, 元, 万, ...) are left, and so is a run of four-digit years ("2019 2020 2021
  2022"), which Luhn would pass one time in ten.
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


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class MaskResult:
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
_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9]+(?:[ \-][0-9]+)*(?:[Xx](?![A-Za-z]))?(?![0-9])")
_BSN_DOTTED = re.compile(r"(?<![0-9.,])[0-9]{4}\.[0-9]{2}\.[0-9]{3}(?![0-9]|[.,][0-9])")
_GROUP = re.compile(r"[0-9]+[Xx]?")
_AMOUNT_BEFORE = re.compile(r"(?:[0-9][.,]|[¥￥$€£₩]\s?|[Vv]|RMB\s?|CNY\s?|EUR\s?|GBP\s?)$")
_AMOUNT_AFTER = re.compile(r"^(?:[.,][0-9]|\s?(?:%|‰|元|万|亿|円|块|年|岁|kg|km))")

# UK National Insurance number: no D, F, I, Q, U, V in the prefix, no O second; the prefixes
# BG, GB, KN, NK, NT, TN and ZZ are never allocated; the suffix letter A-D may be left off.
_NINO = re.compile(
    r"(?<![A-Za-z0-9])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r" ?[0-9]{2} ?[0-9]{2} ?[0-9]{2}(?: ?[A-D])?(?![A-Za-z0-9])"
)

_EN_STREET_TYPES = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Way|Place|Pl|Court|Ct|Crescent|"
    "Terrace|Gardens|Square|Sq|Hill|Grove|Row|Walk|Mews|Boulevard|Blvd|Parade|Park"
)
_EN_ADDRESS = re.compile(
    r"(?<![A-Za-z0-9])"
    r"(?:(?:Flat|Apartment|Apt\.?|Unit|Suite|Room)\s?[0-9]{1,4}[A-Za-z]?,?\s+)?"
    r"[0-9]{1,5}[A-Za-z]?,?\s+"
    r"(?:[A-Z][A-Za-z'\-]+\s+){1,3}"
    rf"(?:{_EN_STREET_TYPES})\b\.?"
)
_NL_ADDRESS = re.compile(
    r"(?<![A-Za-z])(?:(?:[A-Z][a-z]+|van|de|der|den|het|'t)\s+){0,3}"
    r"[A-Z][a-z]*(?:straat|laan|weg|plein|gracht|kade|singel|dijk|dreef|hof|pad|steeg|markt|"
    r"plantsoen|baan|park|wal)"
    r"\s+[0-9]{1,5}(?:\s?[A-Za-z](?![A-Za-z]))?(?:[\-/][0-9A-Za-z]{1,4})?(?![0-9])"
)
_ZH_ADDRESS = re.compile(
    r"[\u4e00-\u9fff]{1,10}?(?:路|街|道|巷|弄|胡同)"
    r"(?:[0-9]{1,5}(?:弄|巷))?[0-9]{1,5}(?:-[0-9]{1,5})?(?:号|號)(?:院)?"
    r"(?:[0-9]{1,4}(?:号楼|栋|幢|座|楼))?(?:[0-9]{1,3}单元)?(?:[0-9]{1,5}(?:室|层|楼|号房))?"
)
# Words that lead into an address in Chinese ("我住在", "地址是") and are not part of it.
_ZH_LEAD = re.compile(r"^(?:我|他|她|们|家|住|在|于|位|地址|是|为|到|去|来|从|寄|送|搬)+")
# Words ending in 路/街/道 that are no road ("我知道3号方案", "频道5号").
_ZH_NOT_ROADS = re.compile(
    r"(?:知道|难道|报道|渠道|频道|味道|轨道|赛道|通道|管道|街道办|思路|线路|电路|网路|出路|套路|一路)"
)


def mask_personal_data(text: str) -> MaskResult:
    """The text with each piece of personal data replaced by its kind's mask, and the findings."""
    scan = text.translate(_FULL_WIDTH)
    findings = _merge(
        [
            *_emails(scan),
            *_phones(scan),
            *_digit_identifiers(scan),
            *_ninos(scan),
            *_addresses(scan),
        ]
    )
    parts: list[str] = []
    at = 0
    for f in findings:
        parts += [text[at : f.start], MASKS[f.kind]]
        at = f.end
    parts.append(text[at:])
    return MaskResult(text="".join(parts), findings=tuple(findings))


def _emails(scan: str) -> Iterator[Finding]:
    if "@" not in scan:
        return
    for m in _EMAIL.finditer(scan):
        yield Finding("email", m.start(), m.end())


def _phones(scan: str) -> Iterator[Finding]:
    if sum(c.isdigit() for c in scan) < 7:
        return
    for region in PHONE_REGIONS:
        matcher = phonenumbers.PhoneNumberMatcher(scan, region, leniency=_PHONE_LENIENCY)
        for m in matcher:
            yield Finding("phone", m.start, m.end)


def _digit_identifiers(scan: str) -> Iterator[Finding]:
    for m in _BSN_DOTTED.finditer(scan):
        if bsn.is_valid(m.group().replace(".", "")):
            yield Finding("nl_bsn", m.start(), m.end())
    for run in _DIGIT_RUN.finditer(scan):
        if _AMOUNT_BEFORE.search(scan[max(0, run.start() - 4) : run.start()]):
            continue
        if _AMOUNT_AFTER.match(scan[run.end() : run.end() + 3]):
            continue
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(scan, run.start(), run.end())]
        for i in range(len(groups)):
            for j in range(i, len(groups)):
                start, end = groups[i][0], groups[j][1]
                chunk = [scan[s:e] for s, e in groups[i : j + 1]]
                digits = "".join(chunk)
                if len(digits) > 19:
                    break
                kind = _identifier_kind(digits, [len(c) for c in chunk])
                if kind:
                    yield Finding(kind, start, end)


def _identifier_kind(digits: str, lengths: list[int]) -> str | None:
    """Which identifier a candidate (its groups' digits joined) is, if any."""
    single = len(lengths) == 1
    if len(digits) == 18 and _cn_resident_id(digits, precaution=single):
        return "cn_resident_id"
    if not digits.isdigit():
        return None
    if len(digits) == 9 and (single or lengths == [4, 2, 3]) and bsn.is_valid(digits):
        return "nl_bsn"
    if 13 <= len(digits) <= 19 and _card_grouping(digits, lengths) and luhn.is_valid(digits):
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
    for m in _NINO.finditer(scan):
        yield Finding("uk_nino", m.start(), m.end())


def _addresses(scan: str) -> Iterator[Finding]:
    for pattern in (_EN_ADDRESS, _NL_ADDRESS):
        for m in pattern.finditer(scan):
            yield Finding("street_address", m.start(), m.end())
    for m in _ZH_ADDRESS.finditer(scan):
        lead = _ZH_LEAD.match(m.group())
        start = m.start() + (lead.end() if lead else 0)
        if start < m.end() and not _ZH_NOT_ROADS.match(scan, start):
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
