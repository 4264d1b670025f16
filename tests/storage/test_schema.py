"""The schema: migrations run in the order they are declared, and the certificate's columns
are the core's one definition of its fields."""

from __future__ import annotations

import dataclasses

from app.core.footprints import Certificate
from app.core.records import CERTIFICATE_FIELDS, FIELDS, PRODUCT_FIELDS, validate_row
from app.db import connect
from app.storage.migrations import migrations
from app.storage.rows import CERTIFICATE_COLUMNS, PRODUCT_COLUMNS
from fixtures.certificates import rows


def test_migrations_run_in_the_order_they_are_declared(tmp_path):
    declared = [m.name for m in migrations.pending(connect(str(tmp_path / "empty.db")))]
    assert declared == sorted(declared), "declare migrations in the order of their names"
    db = connect(str(tmp_path / "new.db"))
    migrations.apply(db)
    assert [m.name for m in migrations.applied(db)] == declared


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


def test_one_set_of_product_columns(db):
    assert [c.name for c in db["products"].columns] == list(PRODUCT_COLUMNS)
    assert set(PRODUCT_COLUMNS) == set(PRODUCT_FIELDS) | {"sample"}
    record = validate_row(next(rows(1)), categories={"lithium_battery"}, bodies={"TJSCC", "DEMOCB"})
    assert tuple(record.product) == PRODUCT_FIELDS
