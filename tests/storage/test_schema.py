"""The schema: migrations run in the order they are declared, and the certificate's columns
are the core's one definition of its fields."""

from __future__ import annotations

import dataclasses

import pytest

from app.core.footprints import Certificate
from app.core.records import CERTIFICATE_FIELDS, FIELDS, PRODUCT_FIELDS, validate_row
from app.db import connect
from app.storage.migrations import migrations
from app.storage.rows import CERTIFICATE_COLUMNS, PRODUCT_COLUMNS, PRODUCT_OWNER
from fixtures.certificates import rows


def test_migrations_run_in_the_order_they_are_declared(tmp_path):
    declared = [m.name for m in migrations.pending(connect(str(tmp_path / "empty.db")))]
    assert declared == sorted(declared), "declare migrations in the order of their names"
    db = connect(str(tmp_path / "new.db"))
    migrations.apply(db)
    assert [m.name for m in migrations.applied(db)] == declared


@pytest.mark.sqlite_only(
    "SQLite's columns; tests/storage/test_postgres.py compares PostgreSQL's with them"
)
def test_one_set_of_certificate_columns(db):
    """Table, storage mapping, import format, validation and the domain type all list the
    certificate's fields of app.core.records.CERTIFICATE, and nothing else."""
    fields = set(CERTIFICATE_FIELDS)
    stored = {"body_id" if f == "body" else f for f in fields}
    assert [c.name for c in db["certificates"].columns] == list(CERTIFICATE_COLUMNS)
    assert set(CERTIFICATE_COLUMNS) == stored | {"gtin", "sample", "revision", "release_id"}
    assert {f.name for f in dataclasses.fields(Certificate)} == fields | {"gtin", "sample"}
    assert set(FIELDS) == fields | set(PRODUCT_FIELDS) | {"sample"}
    record = validate_row(next(rows(1)), categories={"lithium_battery"}, bodies={"TJSCC", "DEMOCB"})
    assert tuple(record.certificate) == CERTIFICATE_FIELDS


@pytest.mark.sqlite_only(
    "SQLite's columns; tests/storage/test_postgres.py compares PostgreSQL's with them"
)
def test_one_set_of_product_columns(db):
    assert [c.name for c in db["products"].columns] == [*PRODUCT_COLUMNS, PRODUCT_OWNER]
    assert set(PRODUCT_COLUMNS) == set(PRODUCT_FIELDS) | {"sample"}
    record = validate_row(next(rows(1)), categories={"lithium_battery"}, bodies={"TJSCC", "DEMOCB"})
    assert tuple(record.product) == PRODUCT_FIELDS


def test_products_that_predate_owners_belong_to_their_earliest_certificates_body(tmp_path):
    db = connect(str(tmp_path / "old.db"))
    migrations.apply(db, stop_before="m301_product_owner")
    db["categories"].insert({"id": "steel", "name_zh": "钢"})
    db["certification_bodies"].insert_all(
        [{"id": "A", "name_zh": "甲"}, {"id": "B", "name_zh": "乙"}]
    )
    db["products"].insert_all(
        [{"gtin": g, "name_zh": g, "category": "steel"} for g in ("1", "2", "3")]
    )
    certificate = {"pcf": "1", "declared_unit": "kilogram", "valid_until": "2030-01-01"}
    db["certificates"].insert_all(
        {**certificate, "number": n, "gtin": g, "body_id": b, "issued_on": d, "status": "valid"}
        for n, g, b, d in [
            ("X-2", "1", "A", "2024-01-01"),
            ("X-1", "1", "B", "2025-01-01"),  # later, though its number sorts first
            ("Y-2", "2", "A", "2024-01-01"),
            ("Y-1", "2", "B", "2024-01-01"),  # same day: the number decides
        ]
    )
    migrations.apply(db)
    owners = {r["gtin"]: r[PRODUCT_OWNER] for r in db["products"].rows}
    assert owners == {"1": "A", "2": "B", "3": None}
