"""Load the fixture catalogue and factors into an empty database as release 1."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from app.core.records import CertificateRecord, validate_row
from app.storage.rows import (
    CERTIFICATE_COLUMNS,
    FACTOR_COLUMNS,
    PRODUCT_COLUMNS,
    PRODUCT_OWNER,
    certificate_values,
    insert_sql,
    product_values,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _import_row(product: dict, certificate: dict) -> dict:
    """A fixture certificate and its product, flattened as an import row."""
    net = product.get("net_content") or {}
    return {
        **{k: v for k, v in product.items() if k not in ("sales_unit", "net_content")},
        "sales_unit_amount": product["sales_unit"]["amount"],
        "sales_unit": product["sales_unit"]["unit"],
        "net_content_amount": net.get("amount"),
        "net_content_unit": net.get("unit"),
        **certificate,
    }


def _records(catalogue: dict) -> list[CertificateRecord]:
    """The fixture certificates through the import's own validation, so seeding and importing
    store the same fields the same way. Raises RowInvalid for a bad fixture."""
    categories = frozenset(c["id"] for c in catalogue["categories"])
    bodies = frozenset(b["id"] for b in catalogue["certification_bodies"])
    products = {p["gtin"]: p for p in catalogue["products"]}
    records = [
        validate_row(_import_row(products[c["gtin"]], c), categories=categories, bodies=bodies)
        for c in catalogue["certificates"]
    ]
    uncertified = set(products) - {r.gtin for r in records}
    if uncertified:
        raise ValueError(f"Fixture products without a certificate: {sorted(uncertified)}")
    return records


def _insert(db, table: str, rows: list[dict], columns: tuple[str, ...]) -> None:
    db.executemany(insert_sql(table, columns), [tuple(r.get(c) for c in columns) for r in rows])


def seed(db, fixtures: Path = FIXTURES) -> int:
    """Seed categories, bodies, products, certificates and factors in one transaction, on
    either engine's database (app.storage.connection.Database or PgDatabase).

    Returns the new release number. Does nothing (returns 0) if a release already exists.
    """
    catalogue_bytes = (fixtures / "catalogue.json").read_bytes()
    factors_bytes = (fixtures / "factors.json").read_bytes()
    catalogue = json.loads(catalogue_bytes)
    factors = json.loads(factors_bytes)["factors"]
    digest = hashlib.sha256(catalogue_bytes + factors_bytes).hexdigest()
    records = _records(catalogue)
    # The write lock: one process seeds; others wait, then see the release and leave it alone.
    with db.write_transaction() as transaction:
        if db.execute("select count(*) from releases").fetchone()[0]:
            transaction.keep = False
            return 0
        _insert(
            db,
            "categories",
            [{**c, "pilot": int(bool(c.get("pilot")))} for c in catalogue["categories"]],
            ("id", "name_zh", "name_en", "pilot"),
        )
        _insert(
            db,
            "certification_bodies",
            [
                {**b, "sample": int(bool(b.get("sample")))}
                for b in catalogue["certification_bodies"]
            ],
            ("id", "name_zh", "name_en", "sample"),
        )
        # A product's fields belong to the first body to certify it (the earliest issued).
        products = {}
        for r in sorted(records, key=lambda r: (r.certificate["issued_on"], r.number)):
            products.setdefault(r.gtin, (*product_values(r), r.body))
        db.executemany(
            insert_sql("products", (*PRODUCT_COLUMNS, PRODUCT_OWNER)), list(products.values())
        )
        db.executemany(
            insert_sql("certificates", CERTIFICATE_COLUMNS),
            [certificate_values(r, revision=1, release_id=1) for r in records],
        )
        _insert(
            db,
            "factors",
            [{**f, "sample": int(bool(f.get("sample")))} for f in factors],
            FACTOR_COLUMNS,
        )
        meta = catalogue.get("catalogue", {})
        release = {
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
        _insert(db, "releases", [release], tuple(release))
    return 1
