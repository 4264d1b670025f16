"""Load the fixture catalogue and factors into an empty database as release 1."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from sqlite_utils import Database

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _product_row(p: dict) -> dict:
    net = p.get("net_content") or {}
    return {
        "gtin": p["gtin"],
        "name_zh": p["name_zh"],
        "name_en": p.get("name_en"),
        "brand": p.get("brand"),
        "category": p["category"],
        "sales_unit_amount": p["sales_unit"]["amount"],
        "sales_unit": p["sales_unit"]["unit"],
        "net_content_amount": net.get("amount"),
        "net_content_unit": net.get("unit"),
        "sample": int(bool(p.get("sample"))),
    }


def _certificate_row(c: dict) -> dict:
    period = c.get("reference_period") or {}
    return {
        "number": c["number"].upper(),
        "gtin": c["gtin"],
        "body_id": c["body"],
        "standards": json.dumps(c.get("standards") or [], ensure_ascii=False),
        "pcf": c["pcf"],
        "declared_unit": c["declared_unit"],
        "declared_unit_amount": c.get("declared_unit_amount", "1"),
        "pcf_per_sales_unit": c.get("pcf_per_sales_unit"),
        "system_boundary": c["system_boundary"],
        "stages": json.dumps(c["stages"]) if c.get("stages") else None,
        "reference_period_start": period.get("start"),
        "reference_period_end": period.get("end"),
        "issued_on": c["issued_on"],
        "valid_until": c["valid_until"],
        "status": c.get("status", "valid"),
        "status_reason": c.get("status_reason"),
        "status_changed_on": c.get("status_changed_on"),
        "verified_by": c.get("verified_by"),
        "verified_on": c.get("verified_on"),
        "characterization": c.get("characterization", "AR6"),
        "factor_database": c.get("factor_database"),
        "factor_database_version": c.get("factor_database_version"),
        "sample": int(bool(c.get("sample"))),
    }


def seed(db: Database, fixtures: Path = FIXTURES) -> int:
    """Seed categories, bodies, products, certificates and factors in one transaction.

    Returns the new release number. Does nothing (returns 0) if a release already exists.
    """
    catalogue_bytes = (fixtures / "catalogue.json").read_bytes()
    factors_bytes = (fixtures / "factors.json").read_bytes()
    catalogue = json.loads(catalogue_bytes)
    factors = json.loads(factors_bytes)["factors"]
    digest = hashlib.sha256(catalogue_bytes + factors_bytes).hexdigest()
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")  # one writer seeds; others wait, then see the release
    try:
        if conn.execute("select count(*) from releases").fetchone()[0]:
            conn.execute("ROLLBACK")
            return 0
        db["categories"].insert_all(
            [{**c, "pilot": int(bool(c.get("pilot")))} for c in catalogue["categories"]]
        )
        db["certification_bodies"].insert_all(
            [{**b, "sample": int(bool(b.get("sample")))} for b in catalogue["certification_bodies"]]
        )
        db["products"].insert_all(_product_row(p) for p in catalogue["products"])
        db["certificates"].insert_all(_certificate_row(c) for c in catalogue["certificates"])
        db["factors"].insert_all({**f, "sample": int(bool(f.get("sample")))} for f in factors)
        meta = catalogue.get("catalogue", {})
        db["releases"].insert(
            {
                "id": 1,
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "source": "fixtures",
                "version": meta.get("version"),
                "products": len(catalogue["products"]),
                "certificates": len(catalogue["certificates"]),
                "factors": len(factors),
                "content_hash": digest,
                "sample": int(bool(meta.get("sample"))),
            }
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return 1
