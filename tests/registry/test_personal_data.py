"""Personal data in participation text is found and masked (registry/personal_data.py, issue 13).

For each identifier: a valid one is masked, one with a wrong check digit is left (a Chinese
resident identity number written as one run is masked anyway, as the module documents), in
English and Chinese sentences, next to ASCII and full-width punctuation. Offsets point into the
original text; no digit of a masked identifier survives; masking masked text changes nothing;
ordinary numbers (years, dates, amounts, percentages, versions) are left alone.

The check digits the generators below compute are written from the standards (GB 11643 /
ISO 7064 MOD 11-2, the Dutch 11-test, Luhn), independently of python-stdnum, which the module
uses: the two agree or these tests fail.
"""

from __future__ import annotations

import ast
import datetime
import re
import sys
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from registry import personal_data
from registry.personal_data import (
    KIND_LABELS,
    KINDS,
    MASKS,
    Finding,
    MaskResult,
    _merge,
    mask_personal_data,
)

DIGITS = re.compile(r"[0-9０-９]")


# --- check digits, from the standards -------------------------------------------------------------
def cn_id(first17: str) -> str:
    """An 18-character resident identity number: ISO 7064 MOD 11-2 over the first 17 digits."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return (
        first17 + "10X98765432"[sum(w * int(d) for w, d in zip(weights, first17, strict=True)) % 11]
    )


def bsn_check(first8: str) -> int:
    """The BSN's last digit: the 11-test (9*d1 + 8*d2 + ... + 2*d8 - d9) % 11 == 0."""
    return sum((9 - i) * int(d) for i, d in enumerate(first8)) % 11


def luhn_complete(payload: str) -> str:
    total = 0
    for i, d in enumerate(reversed(payload)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return payload + str((10 - total % 10) % 10)


def wrong_last(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("1" if last in "0X" else str((int(last) + 1) % 10))


def masked_spans(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in mask_personal_data(text).findings]


CN_ID = "11010519491231002X"  # the example of GB 11643-1999
CN_ID_2 = cn_id("44030119851020123")
# a district (Shenzhen Longgang) younger than its holder: stdnum.cn.ric.is_valid refuses it
CN_ID_3 = cn_id("44030719900101123")
BSN = "123456782"
CARD = "4111 1111 1111 1111"


def test_the_generators_agree_with_the_published_examples():
    assert cn_id(CN_ID[:17]) == CN_ID
    assert bsn_check("12345678") == 2 and bsn_check("11122233") == 3
    assert luhn_complete("411111111111111") == "4111111111111111"
    assert luhn_complete("37828224631000") == "378282246310005"  # Amex test number


# --- the public interface -------------------------------------------------------------------------
def test_every_kind_has_a_mask_and_labels_in_both_languages():
    assert set(MASKS) == set(KINDS) == set(KIND_LABELS)
    for kind in KINDS:
        assert KIND_LABELS[kind]["en"] and KIND_LABELS[kind]["zh-CN"]
        assert not DIGITS.search(MASKS[kind])


def test_a_mask_result_lists_the_distinct_kinds_in_the_order_of_kinds():
    result = mask_personal_data(f"mail a@example.org, {CN_ID}, b@example.org, 13812345678")
    assert [f.kind for f in result.findings] == ["email", "cn_resident_id", "email", "phone"]
    assert result.kinds == ("email", "phone", "cn_resident_id")


def test_text_without_personal_data_comes_back_unchanged():
    assert mask_personal_data("") == MaskResult(text="", findings=())
    text = "Why does the algorithm weigh postcode so heavily? 为什么邮编的权重这么高？"
    assert mask_personal_data(text) == MaskResult(text=text, findings=())


def test_the_module_is_pure():
    tree = ast.parse(Path(personal_data.__file__).read_text(encoding="utf-8"))
    modules = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    } - {"__future__"}
    assert modules <= {*sys.stdlib_module_names, "phonenumbers", "stdnum"}


# --- each kind: found, masked, offsets right ------------------------------------------------------
FOUND = [
    # email
    ("email", "Write to zhang.san+registry@example.com.cn.", "zhang.san+registry@example.com.cn"),
    ("email", "邮箱：jo@example.org。", "jo@example.org"),
    # phone: mainland mobile, with +86, spaces, dashes; landlines with area code; international
    ("phone", "我的手机13812345678，请回电。", "13812345678"),
    ("phone", "电话：+86 138-1234-5678。", "+86 138-1234-5678"),
    ("phone", "Call me on 138 1234 5678 please.", "138 1234 5678"),
    ("phone", "手机86-138-1234-5678，", "86-138-1234-5678"),
    ("phone", "电话：010-12345678转123。", "010-12345678转123"),
    ("phone", "Phone 020 7946 0018 ext. 123, mornings", "020 7946 0018 ext. 123"),
    ("phone", "座机010-12345678，", "010-12345678"),
    ("phone", "办公室(0755) 8888 8888。", "(0755) 8888 8888"),
    ("phone", "Bel 06-12345678 of mail.", "06-12345678"),
    ("phone", "Bel +31 6 12345678.", "+31 6 12345678"),
    ("phone", "Ring 020 7946 0018 or", "020 7946 0018"),
    ("phone", "mobile 07911 123456.", "07911 123456"),
    ("phone", "US: +1 415 555 2671, thanks", "+1 415 555 2671"),
    # Chinese resident identity number
    ("cn_resident_id", f"我的身份证号是{CN_ID}。", CN_ID),
    ("cn_resident_id", f"ID:{CN_ID}", CN_ID),
    ("cn_resident_id", f"(ID{CN_ID})", CN_ID),
    ("cn_resident_id", f"身份证号：{CN_ID.lower()}，", CN_ID.lower()),
    ("cn_resident_id", f"ID number {CN_ID_2}.", CN_ID_2),
    ("cn_resident_id", f"身份证（深圳龙岗）{CN_ID_3}，", CN_ID_3),
    ("cn_resident_id", f"ID {CN_ID[:6]} {CN_ID[6:14]} {CN_ID[14:]} here", "110105 19491231 002X"),
    # Dutch BSN
    ("nl_bsn", f"Mijn BSN is {BSN}.", BSN),
    ("nl_bsn", f"BSN：{BSN}，", BSN),
    ("nl_bsn", "BSN 1112.22.333, zie brief", "1112.22.333"),
    ("nl_bsn", "BSN 1234 56 782 staat erop", "1234 56 782"),
    # UK National Insurance number
    ("uk_nino", "My NI number is AB 12 34 56 C.", "AB 12 34 56 C"),
    ("uk_nino", "国民保险号：AB123456C。", "AB123456C"),
    ("uk_nino", "NINO JG103759A, and", "JG103759A"),
    ("uk_nino", "NINO (CE 12 34 56)", "CE 12 34 56"),  # the suffix letter is often left off
    ("uk_nino", "my ni number: ab 12 34 56 c.", "ab 12 34 56 c"),  # small letters, with the suffix
    # bank cards: one run, and grouped as printed
    ("bank_card", f"Card {CARD}, expires", CARD),
    ("bank_card", "银行卡号：6222021234567894。", "6222021234567894"),
    ("bank_card", "card 5500-0000-0000-0004.", "5500-0000-0000-0004"),
    ("bank_card", "Amex 3782 822463 10005 on file", "3782 822463 10005"),
    (
        "bank_card",
        f"nineteen digits {luhn_complete('622202123456789012')}.",
        luhn_complete("622202123456789012"),
    ),
    # street addresses
    ("street_address", "I live at 12 High Street, Leeds.", "12 High Street"),
    ("street_address", "Send it to Flat 3, 10 Downing St, London", "Flat 3, 10 Downing St"),
    ("street_address", "Post: 221B Baker Street.", "221B Baker Street"),
    ("street_address", "Ik woon op Kerkstraat 12 in Utrecht.", "Kerkstraat 12"),
    ("street_address", "Kerkstraat 12, 3512 AB Utrecht", "Kerkstraat 12, 3512 AB"),
    (
        "street_address",
        "To 10 Downing Street, London SW1A 2AA, please",
        "10 Downing Street, London SW1A 2AA",
    ),
    ("street_address", "Adres: Van Baerlestraat 51-3, Amsterdam", "Van Baerlestraat 51-3"),
    ("street_address", "Prinsengracht 263 huis", "Prinsengracht 263"),
    ("street_address", "我住在中山路12号。", "中山路12号"),
    ("street_address", "小区门口的人民路5号有问题", "人民路5号"),
    ("street_address", "家住和平路3号", "和平路3号"),
    ("street_address", "地址：朝阳区建国路88号3栋2单元501室，", "朝阳区建国路88号3栋2单元501室"),
    ("street_address", "寄到长乐路123弄4号，谢谢", "长乐路123弄4号"),
    ("street_address", "住在南京西路１２号。", "南京西路１２号"),
]


@pytest.mark.parametrize(("kind", "text", "span"), FOUND, ids=[f"{k}:{s}" for k, _, s in FOUND])
def test_each_identifier_is_found_with_offsets_into_the_original_and_masked(kind, text, span):
    result = mask_personal_data(text)
    assert masked_spans(text) == [(kind, span)]
    start = text.index(span)
    assert result.findings == (Finding(kind, start, start + len(span)),)
    assert result.text == text[:start] + MASKS[kind] + text[start + len(span) :]
    assert not DIGITS.search(result.text)


def test_full_width_digits_and_punctuation_are_read_and_offsets_stay_in_the_original():
    mobile = "１３８１２３４５６７８"
    text = f"电话：{mobile}，身份证：{CN_ID}。"
    result = mask_personal_data(text)
    assert masked_spans(text) == [("phone", mobile), ("cn_resident_id", CN_ID)]
    assert result.text == f"电话：{MASKS['phone']}，身份证：{MASKS['cn_resident_id']}。"


def test_several_findings_in_one_text_are_each_masked_in_order():
    text = (
        f"My ID is {CN_ID}, call +44 20 7946 0018 or email me at jo@example.org; "
        f"BSN {BSN}; NI AB 12 34 56 C; card {CARD}; 12 High Street. "
        f"另外我住在中山路12号，手机13812345678。"
    )
    result = mask_personal_data(text)
    assert [f.kind for f in result.findings] == [
        "cn_resident_id",
        "phone",
        "email",
        "nl_bsn",
        "uk_nino",
        "bank_card",
        "street_address",
        "street_address",
        "phone",
    ]
    assert not DIGITS.search(result.text)
    assert result.text.startswith(f"My ID is {MASKS['cn_resident_id']}, call {MASKS['phone']} or")
    assert list(result.findings) == sorted(result.findings, key=lambda f: f.start)


def test_overlapping_findings_merge_into_one_of_the_longer_kind():
    # a Chinese mailbox named after its owner's mobile number: the phone lies inside the email
    text = "邮箱13812345678@163.com，"
    assert masked_spans(text) == [("email", "13812345678@163.com")]
    assert mask_personal_data(text).text == f"邮箱{MASKS['email']}，"
    assert _merge([Finding("phone", 2, 13), Finding("email", 2, 21)]) == [Finding("email", 2, 21)]
    assert _merge([Finding("phone", 0, 10), Finding("nl_bsn", 5, 12)]) == [Finding("phone", 0, 12)]
    # touching is not overlapping
    assert _merge([Finding("phone", 0, 5), Finding("email", 5, 9)]) == [
        Finding("phone", 0, 5),
        Finding("email", 5, 9),
    ]


def test_what_a_mask_uncovers_is_masked_too():
    # the matcher refuses a phone number touching a letter, until the address beside it is masked
    text = "13812345678Kerkstraat 12"
    result = mask_personal_data(text)
    assert result.findings == (Finding("phone", 0, 11), Finding("street_address", 11, 24))
    assert result.text == MASKS["phone"] + MASKS["street_address"]


def test_identifiers_written_against_each_other_are_each_found():
    text = f"{CN_ID}{CN_ID_2}，{BSN}-{CARD.replace(' ', '')}"
    assert masked_spans(text) == [
        ("cn_resident_id", CN_ID),
        ("cn_resident_id", CN_ID_2),
        ("nl_bsn", BSN),
        ("bank_card", CARD.replace(" ", "")),
    ]


# --- wrong check digits and near misses -----------------------------------------------------------
LEFT = [
    # a BSN failing the 11-test, in English and Chinese
    f"Reference {wrong_last(BSN)}.",
    f"编号：{wrong_last(BSN)}，",
    "BSN 1234.56.789 klopt niet",
    # cards failing Luhn
    f"Card {wrong_last(CARD)}, expires",
    f"卡号：{wrong_last('6222021234567894')}。",
    # a grouped identity number with a wrong check digit (only one run is masked as a precaution)
    f"ID {CN_ID[:6]} {CN_ID[6:14]} {wrong_last(CN_ID)[14:]} here",
    # 18 digits without a birth date that exists
    "订单号110105194913310021。",
    "Number 110105194902300021 is not an ID",
    # National Insurance: letters never used, prefixes never allocated, lower case
    "QQ123456C",
    "Ref DA 12 34 56 A.",
    "Ref AO123456A.",
    "Code BG123456A, GB123456A, NK123456A, TN123456A, ZZ123456A.",
    "we met on 123456 and at 12 34 56",  # small letters without a suffix are words
    "Ref qq123456c, bg123456a, ao123456a.",
]


@pytest.mark.parametrize("text", LEFT)
def test_numbers_with_wrong_check_digits_or_formats_are_left(text):
    assert mask_personal_data(text) == MaskResult(text=text, findings=())


def test_an_identity_number_with_a_wrong_check_digit_written_as_one_run_is_masked_anyway():
    wrong = wrong_last(CN_ID)
    for text in (f"身份证号{wrong}。", f"My ID: {wrong}, sorry if mistyped"):
        assert masked_spans(text) == [("cn_resident_id", wrong)]


ORDINARY = [
    "In 2019 2020 2021 2022 the algorithm ran 4 times a year.",
    "2023年1月15日，申请人数为12,000人，增长了12.5%。",
    "The fee was ¥12,000 (about €1,500) on 2023-01-15 at 12:30.",
    "Version v2.3.1 replaced 10.2.0 in 1990-2020 data; ISO 27001 and COVID-19.",
    "The model scored 0.123456782 on 123,456,782 rows.",
    "Budget: € 1.234.567,89; 预算123456782元; 增长123456782%.",
    "订单号20231215000123，流水号2023121500012345678。",
    "约1300000000人口，3号文件，我知道3号方案，第12号通知，频道5号。",
    "Chapter 3 describes the Street Light programme; see section 12 of the Act.",
    "In 2019 Downing Street said so; open Notepad 2 and Launchpad 3.",
    "我知道那条路。第5号意见：渠道3号不对，思路2号更好。",
    "Years 2019-2020-2021-2022 and 1996 1997 1998 1999 2000.",
    # a bare 10-digit run: a Chinese landline without its trunk 0 to phonenumbers, a case number
    # to a reader (the module shows the matcher only runs starting as phone numbers are written)
    "Case 3759459924 was closed; 案件编号3759459924已结案。",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_years_dates_amounts_percentages_and_versions_are_left(text):
    result = mask_personal_data(text)
    assert result.findings == (), masked_spans(text)
    assert result.text == text


# --- idempotence and the property test ------------------------------------------------------------
@pytest.mark.parametrize("text", [t for _, t, _ in FOUND])
def test_masking_masked_text_changes_nothing(text):
    once = mask_personal_data(text).text
    assert mask_personal_data(once) == MaskResult(text=once, findings=())


def _mobiles() -> st.SearchStrategy[str]:
    number = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
    return number.filter(lambda n: phonenumbers.is_valid_number(phonenumbers.parse(n, "CN")))


@st.composite
def _cn_ids(draw: st.DrawFn) -> str:
    area = draw(st.from_regex(r"[1-8][0-9]{5}", fullmatch=True))
    born = draw(
        st.dates(min_value=datetime.date(1920, 1, 1), max_value=datetime.date(2020, 12, 31))
    )
    order = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    return cn_id(f"{area}{born:%Y%m%d}{order}")


@st.composite
def _bsns(draw: st.DrawFn) -> str:
    first8 = draw(st.from_regex(r"[1-9][0-9]{7}", fullmatch=True))
    check = bsn_check(first8)
    assume(check < 10)
    return first8 + str(check)


@st.composite
def _cards(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["4", "51", "55", "62", "35", "6011"]))
    length = draw(st.sampled_from([16, 19] if prefix == "62" else [16]))
    body = draw(st.from_regex(rf"[0-9]{{{length - 1 - len(prefix)}}}", fullmatch=True))
    number = luhn_complete(prefix + body)
    if draw(st.booleans()):
        number = " ".join(number[k : k + 4] for k in range(0, len(number), 4))
    return number


@st.composite
def _ninos(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from("ABCEGHJKLMNOPRSTWXYZ"))
    second = draw(st.sampled_from("ABCEGHJKLMNPRSTWXYZ"))
    assume(first + second not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
    digits = draw(st.from_regex(r"[0-9]{6}", fullmatch=True))
    suffix = draw(st.sampled_from("ABCD"))
    spaced = draw(st.booleans())
    if spaced:
        return f"{first}{second} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return f"{first}{second}{digits}{suffix}"


_PHONE_FORMATS = [
    (region, kind, style)
    for region in ("CN", "NL", "GB")
    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)
    for style in (
        phonenumbers.PhoneNumberFormat.NATIONAL,
        phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        phonenumbers.PhoneNumberFormat.E164,
    )
]


@st.composite
def _phones(draw: st.DrawFn) -> str:
    """A mobile or landline number of China, the Netherlands or the UK as people write it."""
    region, kind, style = draw(st.sampled_from(_PHONE_FORMATS))
    example = phonenumbers.example_number_for_type(region, kind)
    national = str(example.national_number)
    tail = draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    number = phonenumbers.parse(national[:-4] + tail, region)
    assume(phonenumbers.is_valid_number(number))
    return phonenumbers.format_number(number, style)


_EMAILS = st.from_regex(r"[a-z][a-z0-9._+\-]{0,12}[a-z0-9]@[a-z0-9]{2,10}\.(com|org|cn|nl|co\.uk)",
                        fullmatch=True)  # fmt: skip
IDENTIFIERS = st.one_of(_mobiles(), _phones(), _EMAILS, _cn_ids(), _bsns(), _cards(), _ninos())
# Text around an identifier: words in both scripts, spaces, punctuation (full-width too); no
# digits (they would be part of the number) and none of the units that make a number an amount.
_WORDS = st.text(
    alphabet=st.sampled_from(
        "abcdefghijlmnopqrstuvwxyz 的是在了人这中大为上个国我以要他时来用们"
        ",.;:!?()，。：；！？（）、"
    ),
    max_size=40,
)
_EDGES = st.sampled_from([" ", ", ", "：", "，", "。", "（", "）", "是", "号"])


@settings(max_examples=200, deadline=None)
@given(before=_WORDS, edge1=_EDGES, identifier=IDENTIFIERS, edge2=_EDGES, after=_WORDS)
def test_a_valid_identifier_in_any_text_is_always_masked(before, edge1, identifier, edge2, after):
    text = before + edge1 + identifier + edge2 + after
    result = mask_personal_data(text)
    start = len(before + edge1)
    assert any(f.start <= start and start + len(identifier) <= f.end for f in result.findings)
    assert not DIGITS.search(result.text)
    assert mask_personal_data(result.text).findings == ()


_FRAGMENTS = st.sampled_from(
    [CN_ID, BSN, CARD, "+86 138 1234 5678", "AB 12 34 56 C", "jo@example.org", "12 High Street",
     "Kerkstraat 12", "中山路12号", "020 7946 0018", "ext. 12", "转5", "Flat 3, ", "2023",
     "¥12,000", "12.5%", "v2.3.1", " ", "-", ".", "(", "[", "+", "0", "1", "X", "a", "Z", "@",
     "，", "。", "号", "住在", "１２３", "Street", "的"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(text=st.lists(_FRAGMENTS, max_size=12).map("".join))
def test_any_mix_masks_to_a_fixed_point_with_ordered_findings_inside_the_text(text):
    result = mask_personal_data(text)
    at = 0
    for f in result.findings:
        assert at <= f.start < f.end <= len(text)
        at = f.end
    assert mask_personal_data(result.text) == MaskResult(text=result.text, findings=())
