"""Scanned text -> canonical identifiers."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.codes import normalize_gtin, parse_scanned
from app.core.errors import InvalidCode, NotACode
from tests.helpers import gtin_check_digit

BASE = "https://tanji.example"
GS = "\x1d"


@pytest.mark.parametrize(
    ("text", "fmt", "gtin", "extra"),
    [
        ("9506000134352", "gtin-13", "09506000134352", {}),
        ("09506000134352", "gtin-14", "09506000134352", {}),
        ("12345670", "gtin-8", "00000012345670", {}),
        ("036000291452", "gtin-12", "00036000291452", {}),
        ("0425261", "upc-e", "00042100005264", {}),
        ("04252614", "upc-e", "00042100005264", {}),
        ("  9506000134352\n", "gtin-13", "09506000134352", {}),
        ("]E09506000134352", "gtin-13", "09506000134352", {"symbology": "]E0"}),
        ("]E412345670", "gtin-8", "00000012345670", {"symbology": "]E4"}),
        ("0109506000134352", "gs1-element-string", "09506000134352", {}),
        (
            "]C10109506000134352" + "10ABC123" + GS + "17261231",
            "gs1-element-string",
            "09506000134352",
            {"batch": "ABC123", "expiry": dt.date(2026, 12, 31), "symbology": "]C1"},
        ),
        (
            "]d2010950600013435221SN42" + GS + "10L7",
            "gs1-element-string",
            "09506000134352",
            {"serial": "SN42", "batch": "L7", "symbology": "]d2"},
        ),
        (
            "]Q3010950600013435210B1",
            "gs1-element-string",
            "09506000134352",
            {"batch": "B1", "symbology": "]Q3"},
        ),
        (
            "(01)09506000134352(10)ABC(17)261231",
            "gs1-element-string",
            "09506000134352",
            {"batch": "ABC", "expiry": dt.date(2026, 12, 31)},
        ),
        (
            "https://id.gs1.org/01/09506000134352/10/ABC?17=261231",
            "gs1-digital-link",
            "09506000134352",
            {"batch": "ABC", "expiry": dt.date(2026, 12, 31)},
        ),
        ("https://shop.example.cn/01/9506000134352", "gs1-digital-link", "09506000134352", {}),
        (
            "HTTPS://EXAMPLE.COM/01/09506000134352/21/XYZ",
            "gs1-digital-link",
            "09506000134352",
            {"serial": "XYZ"},
        ),
        (
            "]Q3https://id.gs1.org/01/09506000134352",
            "gs1-digital-link",
            "09506000134352",
            {"symbology": "]Q3"},
        ),
    ],
)
def test_product_codes(text, fmt, gtin, extra):
    code = parse_scanned(text, public_base_url=BASE)
    assert (code.kind, code.format, code.gtin) == ("product", fmt, gtin)
    for key, value in extra.items():
        assert getattr(code, key) == value


@pytest.mark.parametrize(
    ("text", "fmt", "number"),
    [
        ("https://tanji.example/c/TJS-PCF-2025-0001", "tanji-label", "TJS-PCF-2025-0001"),
        ("https://TANJI.example/c/tjs-pcf-2025-0001/", "tanji-label", "TJS-PCF-2025-0001"),
        ("TJS-PCF-2025-0001", "certificate-number", "TJS-PCF-2025-0001"),
        ("demo-pcf-2024-0007", "certificate-number", "DEMO-PCF-2024-0007"),
    ],
)
def test_certificate_codes(text, fmt, number):
    code = parse_scanned(text, public_base_url=BASE)
    assert (code.kind, code.format, code.certificate_number, code.gtin) == (
        "certificate",
        fmt,
        number,
        None,
    )


def test_label_under_a_base_path():
    code = parse_scanned(
        "https://example.org/tanji/c/TJS-PCF-2025-0001", public_base_url="https://example.org/tanji"
    )
    assert code.certificate_number == "TJS-PCF-2025-0001"


@pytest.mark.parametrize(
    ("text", "expected", "got"),
    [
        ("9506000134353", "2", "3"),
        ("09506000134350", "2", "0"),
        ("12345678", "0", "8"),
        ("036000291453", "2", "3"),
        ("]E09506000134351", "2", "1"),
        ("0109506000134353", "2", "3"),
        ("(01)09506000134359(10)A", "2", "9"),
        ("https://id.gs1.org/01/09506000134354", "2", "4"),
    ],
)
def test_wrong_check_digit_names_the_expected_digit(text, expected, got):
    with pytest.raises(InvalidCode) as info:
        parse_scanned(text, public_base_url=BASE)
    assert info.value.details["expected_check_digit"] == expected
    assert info.value.details["check_digit"] == got
    assert f"expected {expected}" in str(info.value.message)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "123",
        "12345678901",  # 11 digits: no GTIN has that length
        "https://example.com/products/42",
        "https://tanji.example/about",
        "(foo)bar",
        "(00)006141411234567890",  # an SSCC: a logistic unit, not a product
        "这不是条码",
        "x" * 5000,
    ],
)
def test_not_a_code(text):
    with pytest.raises(NotACode):
        parse_scanned(text, public_base_url=BASE)


def test_label_url_with_garbage_number_is_invalid():
    with pytest.raises(InvalidCode):
        parse_scanned("https://tanji.example/c/<script>", public_base_url=BASE)


def test_normalize_gtin():
    assert normalize_gtin("9506000134352") == "09506000134352"
    with pytest.raises(InvalidCode):
        normalize_gtin("9506000134353")
    with pytest.raises(NotACode):
        normalize_gtin("95060001343")


# 12345670 is a valid EAN-8 and a valid UPC-E (of UPC-A 123456000070): which one it is depends
# on the symbol that carried it.
@pytest.mark.parametrize(
    ("digits", "symbology", "gtin"),
    [
        ("12345670", "EAN-8", "00000012345670"),
        ("12345670", "UPC-E", "00123456000070"),
        ("12345670", None, "00000012345670"),  # typed or scanned text: EAN-8 first
        ("04252614", "UPC-E", "00042100005264"),
        ("0425261", "UPC-E", "00042100005264"),
        ("0042100005264", "UPC-E", "00042100005264"),  # zxing expands UPC-E to 13 digits
        ("042100005264", "UPC-E", "00042100005264"),
        ("04252614", None, "00042100005264"),  # not an EAN-8 (check digit): the UPC-E
        ("96385074", "EAN-8", "00000096385074"),
        ("96385074", None, "00000096385074"),
        ("036000291452", "UPC-A", "00036000291452"),
        ("0036000291452", "UPC-A", "00036000291452"),  # zbar writes UPC-A as 13 digits
        ("5901234123457", "EAN-13", "05901234123457"),
    ],
)
def test_normalize_gtin_by_symbology(digits, symbology, gtin):
    assert normalize_gtin(digits, symbology) == gtin


@pytest.mark.parametrize(
    ("digits", "symbology", "error"),
    [
        ("04252614", "EAN-8", InvalidCode),  # a UPC-E's digits fail the EAN-8 check digit
        ("12345671", "EAN-8", InvalidCode),
        ("04252615", "UPC-E", InvalidCode),
        ("9425261", "UPC-E", InvalidCode),  # UPC-E number system is 0 or 1
        ("5901234123457", "EAN-8", NotACode),
        ("1234567", "EAN-8", NotACode),
        ("12345670", "CODE-128", NotACode),
    ],
)
def test_normalize_gtin_refuses_digits_the_symbology_cannot_carry(digits, symbology, error):
    with pytest.raises(error):
        normalize_gtin(digits, symbology)


def test_aim_identifier_of_ean8_reads_digits_as_ean8_only():
    assert parse_scanned("]E412345670", public_base_url=BASE).gtin == "00000012345670"
    with pytest.raises(InvalidCode) as info:
        parse_scanned("]E404252614", public_base_url=BASE)
    assert info.value.details["expected_check_digit"] == "0"


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_any_gtin13_with_its_check_digit_resolves_and_any_other_digit_does_not(payload):
    good = payload + gtin_check_digit(payload)
    assert parse_scanned(good, public_base_url=BASE).gtin == "0" + good
    wrong = str((int(good[-1]) + 1) % 10)
    with pytest.raises(InvalidCode) as info:
        parse_scanned(payload + wrong, public_base_url=BASE)
    assert info.value.details["expected_check_digit"] == good[-1]


@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_gtin14_round_trips_through_every_form(payload):
    gtin = payload + gtin_check_digit(payload)
    forms = [gtin, "01" + gtin, f"(01){gtin}", f"https://id.gs1.org/01/{gtin}", "]C101" + gtin]
    assert {parse_scanned(f, public_base_url=BASE).gtin for f in forms} == {gtin}


@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes(text):
    try:
        parse_scanned(text, public_base_url=BASE)
    except (NotACode, InvalidCode):
        pass


DL = "https://id.gs1.org/01/09506000134352"


@pytest.mark.parametrize(
    ("text", "ai", "problem"),
    [
        (f"{DL}?01=09506000134352", "01", "already in the URI path"),
        (f"{DL}/10/ABC?10=XYZ", "10", "already in the URI path"),
        (f"{DL}?10=ABC", "10", "key qualifier"),
        (f"{DL}?21=123", "21", "key qualifier"),
        (f"{DL}?22=A1", "22", "key qualifier"),
        (f"{DL}?235=X", "235", "key qualifier"),
        (f"{DL}?17=", "17", "empty value"),
        (f"{DL}?17", "17", "empty value"),
        (f"{DL}?17=261231&17=270101", "17", "more than once"),
        ("https://example.com/shop/01/09506000134352/21/S1?3103=000500&21=S1", "21", "path"),
    ],
)
def test_digital_link_attributes_the_standard_forbids_are_invalid(text, ai, problem):
    with pytest.raises(InvalidCode) as info:
        parse_scanned(text, public_base_url=BASE)
    assert info.value.details["ai"] == ai and problem in str(info.value.message)


@pytest.mark.parametrize(
    ("text", "extra"),
    [
        (f"{DL}?linkType=gs1:pip", {}),  # not an AI: ignored
        (f"{DL}/10/ABC?17=261231&3103=000500", {"batch": "ABC", "expiry": dt.date(2026, 12, 31)}),
    ],
)
def test_digital_link_data_attributes_still_parse(text, extra):
    code = parse_scanned(text, public_base_url=BASE)
    assert code.gtin == "09506000134352"
    for key, value in extra.items():
        assert getattr(code, key) == value


@pytest.mark.parametrize(
    ("text", "gtin", "extra"),
    [
        ("]E09506000134352|]e01012345", "09506000134352", {"batch": "12345"}),
        ("]E09506000134352|]e017261231", "09506000134352", {"expiry": dt.date(2026, 12, 31)}),
        (
            "]E09506000134352]e010AB" + GS + "21S9",
            "09506000134352",
            {"batch": "AB", "serial": "S9"},
        ),
        ("]E0036000291452|]e01012", "00036000291452", {"symbology": "]E0"}),  # UPC-A
        ("]E412345670|]e01012", "00000012345670", {"symbology": "]E4"}),  # EAN-8
        ("]E09506000134352|]e00109506000134352", "09506000134352", {}),  # same GTIN again
    ],
)
def test_ean_upc_composites_resolve_the_primary_gtin(text, gtin, extra):
    code = parse_scanned(text, public_base_url=BASE)
    assert (code.kind, code.format, code.gtin) == ("product", "gs1-composite", gtin)
    for key, value in extra.items():
        assert getattr(code, key) == value


@pytest.mark.parametrize(
    "text",
    [
        "]E09506000134353|]e01012345",  # wrong check digit in the linear symbol
        "]E09506000134352|]e0ZZ",  # the component is not element strings
        "]E09506000134352|]e00112345678901231",  # the component names another GTIN
    ],
)
def test_invalid_composites_are_invalid(text):
    with pytest.raises(InvalidCode):
        parse_scanned(text, public_base_url=BASE)


@pytest.mark.parametrize(
    ("text", "extra"),
    [
        ("010950600013435210ABC123", {"batch": "ABC123"}),
        ("0109506000134352" + "17261231" + "21SN1", {"serial": "SN1"}),
        ("17261231" + "0109506000134352" + "10L7", {"batch": "L7"}),
    ],
)
def test_element_strings_without_fnc1_that_start_with_a_fixed_length_ai(text, extra):
    code = parse_scanned(text, public_base_url=BASE)
    assert (code.format, code.gtin) == ("gs1-element-string", "09506000134352")
    for key, value in extra.items():
        assert getattr(code, key) == value


@pytest.mark.parametrize(
    "text", ["]E49506000134352", "]E4123456789", "]E41234567", "]E40", "]E4ABCDEFGH", "]E4"]
)
def test_ean8_symbology_carries_exactly_eight_digits(text):
    with pytest.raises(InvalidCode) as info:
        parse_scanned(text, public_base_url=BASE)
    assert "exactly 8 digits" in str(info.value.message)
