"""Rows of the catalogue tables: certificate and product columns, and the mapping between
stored rows and the core's CertificateRecord."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from app.core.records import CertificateRecord

CERTIFICATE_COLUMNS = (
    "number",
    "gtin",
    "body_id",
    "standards",
    "pcf",
    "declared_unit",
    "declared_unit_amount",
    "pcf_per_sales_unit",
    "system_boundary",
    "stages",
    "reference_period_start",
    "reference_period_end",
    "issued_on",
    "valid_until",
    "status",
    "status_reason",
    "status_changed_on",
    "verified_by",
    "verified_on",
    "characterization",
    "factor_database",
    "factor_database_version",
    "sample",
    "revision",
    "release_id",
)
PRODUCT_COLUMNS = (
    "gtin",
    "name_zh",
    "name_en",
    "brand",
    "category",
    "sales_unit_amount",
    "sales_unit",
    "net_content_amount",
    "net_content_unit",
    "sample",
)


def insert_sql(table: str, columns: tuple[str, ...], suffix: str = "") -> str:
    marks = ", ".join("?" * len(columns))
    return f"insert into {table} ({', '.join(columns)}) values ({marks}){suffix}"


def product_values(record: CertificateRecord) -> tuple:
    p = record.product
    return (
        p["gtin"],
        p["name_zh"],
        p["name_en"],
        p["brand"],
        p["category"],
        p["sales_unit_amount"],
        p["sales_unit"],
        p["net_content_amount"],
        p["net_content_unit"],
        int(record.sample),
    )


def certificate_values(record: CertificateRecord, *, revision: int, release_id: int) -> tuple:
    c = record.certificate
    stages = json.dumps(dict(c["stages"]), ensure_ascii=False) if c["stages"] else None
    return (
        c["number"],
        record.gtin,
        c["body"],
        _json_list(c["standards"]),
        c["pcf"],
        c["declared_unit"],
        c["declared_unit_amount"],
        c["pcf_per_sales_unit"],
        c["system_boundary"],
        stages,
        c["reference_period_start"],
        c["reference_period_end"],
        c["issued_on"],
        c["valid_until"],
        c["status"],
        c["status_reason"],
        c["status_changed_on"],
        c["verified_by"],
        c["verified_on"],
        c["characterization"],
        c["factor_database"],
        c["factor_database_version"],
        int(record.sample),
        revision,
        release_id,
    )


@lru_cache(maxsize=256)
def _json_list(items: tuple[str, ...]) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def record_of_row(row: dict[str, Any]) -> CertificateRecord:
    """A stored certificate (joined with its product) in the normalized form validate_row makes."""
    stages = json.loads(row["stages"]) if row["stages"] else None
    product = {
        "gtin": row["gtin"],
        "name_zh": row["name_zh"],
        "name_en": row["name_en"],
        "brand": row["brand"],
        "category": row["category"],
        "sales_unit_amount": row["sales_unit_amount"],
        "sales_unit": row["sales_unit"],
        "net_content_amount": row["net_content_amount"],
        "net_content_unit": row["net_content_unit"],
    }
    certificate = {
        "number": row["number"],
        "body": row["body_id"],
        "standards": tuple(json.loads(row["standards"] or "[]")),
        "pcf": row["pcf"],
        "declared_unit": row["declared_unit"],
        "declared_unit_amount": row["declared_unit_amount"] or "1",
        "pcf_per_sales_unit": row["pcf_per_sales_unit"],
        "system_boundary": row["system_boundary"],
        "stages": tuple(stages.items()) if stages else None,
        "reference_period_start": row["reference_period_start"],
        "reference_period_end": row["reference_period_end"],
        "issued_on": row["issued_on"],
        "valid_until": row["valid_until"],
        "status": row["status"],
        "status_reason": row["status_reason"],
        "status_changed_on": row["status_changed_on"],
        "verified_by": row["verified_by"],
        "verified_on": row["verified_on"],
        "characterization": row["characterization"] or "AR6",
        "factor_database": row["factor_database"],
        "factor_database_version": row["factor_database_version"],
    }
    return CertificateRecord(product=product, certificate=certificate, sample=bool(row["sample"]))
