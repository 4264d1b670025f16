"""Rows of the catalogue tables, derived from the core's one definition of a certificate's
fields (app.core.records.PRODUCT / CERTIFICATE): the columns, the values written for a
CertificateRecord, and the record or domain Certificate read back from a row."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from app.core.factors import Factor
from app.core.footprints import Certificate, CertificationBody
from app.core.records import CERTIFICATE, PRODUCT, CertificateRecord, Field

#: Stored names of the fields whose column is not named like the field.
_RENAMED = {"body": "body_id"}


def column(field: Field) -> str:
    return _RENAMED.get(field.name, field.name)


assert CERTIFICATE[0].name == "number" and PRODUCT[0].name == "gtin"  # the primary keys first
#: Columns of the certificates table, in the table's order: the certificate's fields, its
#: product, whether it is sample data, its revision and the release that last wrote it.
CERTIFICATE_COLUMNS = (
    "number",
    "gtin",
    *(column(f) for f in CERTIFICATE[1:]),
    "sample",
    "revision",
    "release_id",
)
PRODUCT_COLUMNS = (*(column(f) for f in PRODUCT), "sample")
#: The body that owns a product's shared fields (the first to certify it): set by writes,
#: not part of the import format.
PRODUCT_OWNER = "owner_body"


def insert_sql(table: str, columns: tuple[str, ...], suffix: str = "") -> str:
    marks = ", ".join("?" * len(columns))
    return f"insert into {table} ({', '.join(columns)}) values ({marks}){suffix}"


# -- record -> row -------------------------------------------------------------------------
@lru_cache(maxsize=256)
def _json_list(items: tuple[str, ...]) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def _json_stages(stages: tuple[tuple[str, str], ...] | None) -> str | None:
    return json.dumps(dict(stages), ensure_ascii=False) if stages else None


#: How fields of a kind are stored, where that is not as the record holds them (TEXT).
_ENCODE: dict[str, Callable[[Any], Any]] = {"standards": _json_list, "stages": _json_stages}
_CERTIFICATE_NAMES = tuple(f.name for f in CERTIFICATE[1:])
_ENCODED = tuple((i, _ENCODE[f.kind]) for i, f in enumerate(CERTIFICATE[1:]) if f.kind in _ENCODE)
_PRODUCT_NAMES = tuple(f.name for f in PRODUCT)


def product_values(record: CertificateRecord) -> tuple:
    """The products row of a record's product, in PRODUCT_COLUMNS order."""
    p = record.product
    return (*[p[name] for name in _PRODUCT_NAMES], int(record.sample))


def certificate_values(record: CertificateRecord, *, revision: int, release_id: int) -> tuple:
    """The certificates row of a record, in CERTIFICATE_COLUMNS order."""
    c = record.certificate
    values = [c[name] for name in _CERTIFICATE_NAMES]
    for i, encode in _ENCODED:
        values[i] = encode(values[i])
    return (c["number"], record.gtin, *values, int(record.sample), revision, release_id)


# -- row -> record -------------------------------------------------------------------------
def _stored(field: Field, row: dict[str, Any]) -> Any:
    value = row[column(field)]
    return field.default if value is None else value


def product_of_row(row: dict[str, Any]) -> dict[str, Any]:
    """A stored product's fields in the normalized form validate_row makes."""
    return {f.name: _stored(f, row) for f in PRODUCT}


def record_of_row(row: dict[str, Any]) -> CertificateRecord:
    """A stored certificate (joined with its product) in the normalized form validate_row
    makes."""
    product = product_of_row(row)
    certificate = {}
    for f in CERTIFICATE:
        value = _stored(f, row)
        if f.kind == "standards":
            value = tuple(json.loads(value or "[]"))
        elif f.kind == "stages":
            value = tuple(json.loads(value).items()) if value else None
        certificate[f.name] = value
    return CertificateRecord(product=product, certificate=certificate, sample=bool(row["sample"]))


# -- row -> domain -------------------------------------------------------------------------
def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _standards(value: str | None) -> tuple[str, ...]:
    return tuple(json.loads(value or "[]"))


def _stages(value: str | None) -> dict[str, Decimal] | None:
    stages = json.loads(value) if value else None
    return {k: Decimal(v) for k, v in stages.items()} if stages else None


#: The domain type of fields of a kind, where it is not the stored text.
_DOMAIN: dict[str, Callable[[Any], Any]] = {
    "decimal": _decimal,
    "date": _date,
    "standards": _standards,
    "stages": _stages,
}
_DOMAIN_FIELDS = tuple(
    (f.name, column(f), f.default, _DOMAIN.get(f.kind)) for f in CERTIFICATE if f.name != "body"
)


def certificate_of_row(row: dict[str, Any], body: CertificationBody) -> Certificate:
    """The domain Certificate of a certificates row, issued by ``body``."""
    fields: dict[str, Any] = {}
    for name, key, default, convert in _DOMAIN_FIELDS:
        value = row[key]
        if value is None:
            value = default
        fields[name] = convert(value) if convert is not None else value
    return Certificate(gtin=row["gtin"], body=body, sample=bool(row["sample"]), **fields)


# -- emission factors ----------------------------------------------------------------------
#: Columns of the factors table, as a Factor's fields (decimals stored as their exact text).
FACTOR_COLUMNS = tuple(f.name for f in dataclasses.fields(Factor))


def factor_values(factor: Factor) -> tuple:
    """The factors row of a Factor, in FACTOR_COLUMNS order."""
    values = []
    for name in FACTOR_COLUMNS:
        value = getattr(factor, name)
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, bool):
            value = int(value)
        values.append(value)
    return tuple(values)
