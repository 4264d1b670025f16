"""The one validation path for import rows and API objects, and the status rules."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.changes import (
    Existing,
    StoredProduct,
    check_transition,
    plan,
    product_change,
    status_change,
)
from app.core.codes import normalize_gtin
from app.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from app.core.records import (
    CERTIFICATE_FIELDS,
    PRODUCT_FIELDS,
    RowInvalid,
    fast_gtin,
    validate_row,
)
from fixtures.certificates import CATEGORIES as SYNTHETIC_CATEGORIES
from fixtures.certificates import rows

CATEGORIES = {category for category, _ in SYNTHETIC_CATEGORIES}
BODIES = {"TJSCC", "DEMOCB"}
DAY = dt.date(2026, 6, 15)


def good(**changes) -> dict:
    row = next(rows(1, start=4))  # a TJSCC certificate of a cement product
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


def validate(raw: dict):
    return validate_row(raw, categories=CATEGORIES, bodies=BODIES)


def test_good_row_normalizes():
    gtin14 = good()["gtin"]
    record = validate(good(number="tjs-gen-00000004", gtin=gtin14[1:]))  # GTIN-13 in, GTIN-14 out
    assert record.number == "TJS-GEN-00000004"
    assert record.gtin == gtin14
    assert record.certificate["standards"] == ("GB/T 24067-2024", "ISO 14067:2018")
    assert record.certificate["status"] == "valid"
    assert record.sample is True


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"gtin": "00200106000015"}, "gtin", "invalid_gtin"),
        ({"gtin": "12345"}, "gtin", "invalid_gtin"),
        ({"gtin": ""}, "gtin", "required"),
        ({"number": "not a number"}, "number", "invalid_number"),
        ({"name_zh": ""}, "name_zh", "required"),
        ({"category": "spaceships"}, "category", "unknown_category"),
        ({"body": "NOBODY"}, "body", "unknown_body"),
        ({"declared_unit": "pound"}, "declared_unit", "unknown_unit"),
        ({"net_content_unit": "gallon"}, "net_content_unit", "unknown_unit"),
        ({"system_boundary": "gate-to-gate"}, "system_boundary", "unknown_boundary"),
        ({"standards": "ISO 9001"}, "standards", "unknown_standard"),
        ({"standards": ";"}, "standards", "unknown_standard"),
        ({"pcf": "12,5"}, "pcf", "invalid_decimal"),
        ({"pcf": "1e3"}, "pcf", "invalid_decimal"),
        ({"pcf": "NaN"}, "pcf", "invalid_decimal"),
        ({"pcf": 1.5}, "pcf", "invalid_decimal"),
        ({"pcf": "-1"}, "pcf", "out_of_range"),
        ({"declared_unit_amount": "0"}, "declared_unit_amount", "out_of_range"),
        ({"issued_on": "2025-02-30"}, "issued_on", "invalid_date"),
        ({"issued_on": "01/03/2025"}, "issued_on", "invalid_date"),
        ({"valid_until": "2025-03-01"}, "valid_until", "date_order"),
        ({"reference_period_end": "2023-12-31"}, "reference_period_end", "date_order"),
        ({"status": "expired"}, "status", "unknown_status"),
        ({"status": "revoked"}, "status_reason", "required"),
        ({"characterization": "AR4"}, "characterization", "unknown_characterization"),
        ({"stages": "production=1"}, "stages", "stages_sum"),
        ({"stages": "assembly=1"}, "stages", "unknown_stage"),
        ({"stages": "production"}, "stages", "invalid_stages"),
        ({"sample": "maybe"}, "sample", "invalid_boolean"),
        ({"colour": "green"}, "colour", "unknown_field"),
    ],
)
def test_each_bad_field_has_its_reason(changes, field, reason):
    with pytest.raises(RowInvalid) as caught:
        validate(good(**changes))
    assert (field, reason) in [(e.field, e.reason) for e in caught.value.errors], (
        caught.value.errors
    )


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(RowInvalid) as caught:
        validate(good(pcf="x", issued_on="x", declared_unit="x"))
    assert {e.field for e in caught.value.errors} == {"pcf", "issued_on", "declared_unit"}


def test_json_forms_are_accepted():
    record = validate(
        good(
            standards=["ISO 14067:2018"],
            pcf="3.0",
            stages={"production": "1.0", "raw_material_acquisition": "2.0"},
        )
    )
    assert record.certificate["stages"] == (
        ("production", "1.0"),
        ("raw_material_acquisition", "2.0"),
    )


@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_fast_gtin_agrees_with_normalize_gtin(digits):
    try:
        expected = normalize_gtin(digits)
    except DomainError as error:
        with pytest.raises(type(error)):
            fast_gtin(digits)
    else:
        assert fast_gtin(digits) == expected


@pytest.mark.parametrize(
    ("current", "new", "ok"),
    [
        ("valid", "suspended", True),
        ("suspended", "valid", True),
        ("valid", "revoked", True),
        ("suspended", "revoked", True),
        ("revoked", "valid", False),
        ("revoked", "suspended", False),
        ("valid", "valid", False),
    ],
)
def test_transitions(current, new, ok):
    if ok:
        check_transition("X-1", current, new)
    else:
        with pytest.raises(Conflict):
            check_transition("X-1", current, new)


def existing(**changes) -> Existing:
    return Existing(validate(good(**changes)), revision=1, release_id=1)


def test_plan_outcomes():
    assert plan(validate(good()), None, release_id=2, as_of=DAY).kind == "create"
    assert plan(validate(good()), existing(), release_id=2, as_of=DAY).kind == "unchanged"
    revised = plan(validate(good(pcf="99.99")), existing(), release_id=2, as_of=DAY)
    assert revised.kind == "revise" and revised.event is None
    suspended = plan(
        validate(good(status="suspended", status_reason="audit")),
        existing(),
        release_id=2,
        as_of=DAY,
    )
    assert suspended.kind == "status"
    assert suspended.event.from_status == "valid" and suspended.event.effective_on == "2026-06-15"


def test_plan_refuses_changes_to_revoked_and_other_bodies():
    revoked = existing(status="revoked", status_reason="fraud")
    with pytest.raises(Conflict):
        plan(validate(good(pcf="1.00")), revoked, release_id=2, as_of=DAY)
    with pytest.raises(Forbidden):
        plan(validate(good()), existing(), release_id=2, as_of=DAY, actor_body="DEMOCB")
    with pytest.raises(Forbidden):
        plan(validate(good(body="DEMOCB")), existing(), release_id=2, as_of=DAY)
    with pytest.raises(InvalidInput):
        plan(validate(good()), Existing(validate(good()), 1, 2), release_id=2, as_of=DAY)


def test_status_change_needs_reason_and_allowed_transition():
    with pytest.raises(InvalidInput):
        status_change(existing(), "suspend", reason=" ", effective_on=DAY, actor_body="TJSCC")
    with pytest.raises(InvalidInput):
        status_change(existing(), "explode", reason="x", effective_on=DAY, actor_body="TJSCC")
    with pytest.raises(Conflict):
        status_change(existing(), "reinstate", reason=None, effective_on=DAY, actor_body="TJSCC")
    change = status_change(
        existing(), "revoke", reason="fraud", effective_on=DAY, actor_body="TJSCC"
    )
    assert change.record.certificate["status"] == "revoked" and change.event.reason == "fraud"


def test_records_keep_the_documented_field_order():
    # Imports send records between processes as tuples in this order (storage/import_files._pack).
    record = validate(good())
    assert tuple(record.product) == PRODUCT_FIELDS
    assert tuple(record.certificate) == CERTIFICATE_FIELDS


@pytest.mark.parametrize(
    ("value", "reason"),
    [(" 1.50 ", None), ("0", "out_of_range"), ("0.00", "out_of_range"), ("1e3", "invalid_decimal"),
     ("+2", None), ("٣", None), ("-0.5", "out_of_range"), ("1.", None)],
)  # fmt: skip
def test_decimal_fast_path_agrees_with_decimal(value, reason):
    try:
        record = validate(good(declared_unit_amount=value))
    except RowInvalid as error:
        assert [(e.field, e.reason) for e in error.errors] == [("declared_unit_amount", reason)]
    else:
        assert reason is None and record.certificate["declared_unit_amount"] == value.strip()


@pytest.mark.parametrize(
    ("sales", "declared", "pcf", "expected"),
    [
        (("1", "item"), ("1", "item"), "2.50", "2.50"),
        (("0.5", "kilogram"), ("1", "kilogram"), "3.20", "1.600"),
        (("2", "kilogram"), ("1000", "kilogram"), "1850", "3.7"),
        (("1", "item"), ("1", "kilogram"), "2.50", None),  # units differ: warn instead
        (("1", "kilogram"), ("3", "kilogram"), "1", None),  # 1/3 is not an exact decimal
    ],
)
def test_pcf_per_sales_unit_is_derived_only_when_the_units_agree(sales, declared, pcf, expected):
    from app.core.records import derived_pcf_per_sales_unit

    product = {"sales_unit_amount": sales[0], "sales_unit": sales[1]}
    certificate = {"pcf": pcf, "declared_unit_amount": declared[0], "declared_unit": declared[1]}
    assert derived_pcf_per_sales_unit(product, certificate) == expected


def stored_product(record, owner: str | None = "TJSCC", **changes) -> StoredProduct:
    return StoredProduct({**record.product, **changes}, record.sample, owner)


def test_a_products_shared_fields_belong_to_the_first_body_to_certify_it():
    record = validate(good())  # a TJSCC certificate
    created = product_change(record, None, actor_body="TJSCC")
    assert (created.kind, created.owner, created.before) == ("create", "TJSCC", None)
    assert product_change(record, stored_product(record), actor_body="DEMOCB") is None
    # The owner and the operator (a CLI import) may change the fields; the owner stays.
    renamed = stored_product(record, name_zh="旧名", brand="Old")
    for actor in ("TJSCC", None):
        update = product_change(record, renamed, actor_body=actor)
        assert (update.kind, update.owner) == ("update", "TJSCC")
        assert update.changed(record) == {
            "name_zh": ("旧名", record.product["name_zh"]),
            "brand": ("Old", record.product["brand"]),
        }
    # Another body may cite the product only as stored.
    other = validate(good(body="DEMOCB", number="DEMO-PCF-2026-0001"))
    assert product_change(other, stored_product(other), actor_body="DEMOCB") is None
    with pytest.raises(Forbidden) as refused:
        product_change(other, stored_product(other, brand="Old"), actor_body="DEMOCB")
    assert refused.value.details["fields"] == ["brand"]
    assert refused.value.details["owner"] == "TJSCC"
    # A product no body owns yet (never certified) takes the writer as its owner.
    assert product_change(other, stored_product(other, None, brand="x"), "DEMOCB").owner == "DEMOCB"
