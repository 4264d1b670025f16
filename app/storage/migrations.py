"""The schema, defined once as sqlite-utils migrations. They run in the order they are
declared, which is the order of their names (a test checks both); a new one goes last."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("tanji")


@migrations()
def m001_catalogue(db: Database) -> None:
    db["categories"].create(
        {"id": str, "name_zh": str, "name_en": str, "pilot": int}, pk="id", not_null={"name_zh"}
    )
    db["certification_bodies"].create(
        {"id": str, "name_zh": str, "name_en": str, "sample": int}, pk="id", not_null={"name_zh"}
    )
    db["products"].create(
        {
            "gtin": str,
            "name_zh": str,
            "name_en": str,
            "brand": str,
            "category": str,
            "sales_unit_amount": str,  # decimals are TEXT: exact, never floats
            "sales_unit": str,
            "net_content_amount": str,
            "net_content_unit": str,
            "sample": int,
        },
        pk="gtin",
        not_null={"name_zh", "category"},
        foreign_keys=[("category", "categories", "id")],
    )
    db["certificates"].create(
        {
            "number": str,
            "gtin": str,
            "body_id": str,
            "standards": str,  # JSON list
            "pcf": str,
            "declared_unit": str,
            "declared_unit_amount": str,
            "pcf_per_sales_unit": str,
            "system_boundary": str,
            "stages": str,  # JSON object of stage -> decimal string, or NULL
            "reference_period_start": str,
            "reference_period_end": str,
            "issued_on": str,
            "valid_until": str,
            "status": str,
            "status_reason": str,
            "status_changed_on": str,
            "verified_by": str,
            "verified_on": str,
            "characterization": str,
            "factor_database": str,
            "factor_database_version": str,
            "sample": int,
        },
        pk="number",
        not_null={"gtin", "body_id", "pcf", "declared_unit", "issued_on", "valid_until", "status"},
        foreign_keys=[("gtin", "products", "gtin"), ("body_id", "certification_bodies", "id")],
    )
    db["certificates"].create_index(["gtin"])
    db["factors"].create(
        {
            "id": str,
            "category": str,
            "name_zh": str,
            "name_en": str,
            "value": str,
            "unit": str,
            "basis": str,
            "boundary": str,
            "region": str,
            "year": int,
            "publisher": str,
            "source_title": str,
            "source_url": str,
            "published_on": str,
            "database": str,
            "version": str,
            "uncertainty_pct": str,
            "note": str,
            "sample": int,
        },
        pk="id",
        not_null={"category", "value", "unit", "basis", "boundary", "region", "year"},
    )
    db["factors"].create_index(["category", "region", "year"])
    # A release is one consistent state of the catalogue; lookups key their caches on it.
    db["releases"].create(
        {
            "id": int,
            "created_at": str,
            "source": str,
            "version": str,
            "products": int,
            "certificates": int,
            "factors": int,
            "content_hash": str,
            "sample": int,
        },
        pk="id",
    )


@migrations()
def m100_households(db: Database) -> None:
    """Opt-in saved households: only what the estimate needs (no name, contact, meter or
    account number, device id, IP address, or location finer than province)."""
    db["households"].create(
        {
            "id": str,
            "token_hash": str,  # SHA-256 of the bearer token; the token itself is never stored
            "household_size": int,
            "province": str,
            "consent_version": str,
            "consent_given_at": str,
            "last_active_on": str,  # a date, for the retention purge
        },
        pk="id",
        not_null={"token_hash", "household_size", "consent_version", "consent_given_at"},
    )
    db["households"].create_index(["last_active_on"])
    db["household_entries"].create(
        {
            "id": str,
            "household_id": str,
            "kind": str,
            "start_on": str,
            "end_on": str,
            "code": str,
            "quantity": str,  # decimals are TEXT: exact, never floats
            "amount": str,
            "unit": str,
            "distance": str,
            "distance_unit": str,
            "consumption": str,
        },
        pk="id",
        not_null={"household_id", "kind", "start_on", "end_on"},
        foreign_keys=[("household_id", "households", "id")],
    )
    db["household_entries"].create_index(["household_id", "start_on"])


@migrations()
def m200_ingest(db: Database) -> None:
    """Certificate revisions, status events, API keys, audit log; release row counts."""
    # Which release last wrote a certificate (duplicate rows in one import are caught with
    # it) and its revision number; superseded versions move to certificate_revisions.
    db.execute("alter table certificates add column revision integer not null default 1")
    db.execute("alter table certificates add column release_id integer")
    db["certificate_revisions"].create(
        {
            "number": str,
            "revision": int,
            "data": str,  # JSON of the certificate row as it was
            "superseded_in_release": int,
            "superseded_at": str,
        },
        pk=("number", "revision"),
    )
    db["certificate_status_events"].create(
        {
            "id": int,
            "number": str,
            "from_status": str,
            "to_status": str,
            "effective_on": str,
            "reason": str,
            "release_id": int,
            "recorded_at": str,
            "actor": str,
        },
        pk="id",
        not_null={"number", "to_status", "effective_on", "recorded_at"},
    )
    db["certificate_status_events"].create_index(["number"])
    db["api_keys"].create(
        {
            "id": str,
            "body_id": str,
            "secret_sha256": str,
            "created_at": str,
            "revoked_at": str,
        },
        pk="id",
        not_null={"body_id", "secret_sha256", "created_at"},
        foreign_keys=[("body_id", "certification_bodies", "id")],
    )
    db["audit_log"].create(
        {
            "id": int,
            "at": str,
            "actor": str,  # "key:<key id>@<body>" or "cli:<user>"
            "action": str,  # import | certificate.create | certificate.revise | certificate.status
            "target": str,  # certificate number or file name
            "release_id": int,
            "detail": str,  # JSON
        },
        pk="id",
        not_null={"at", "actor", "action"},
    )
    for column in ("row_count", "inserted", "revised", "status_changes", "unchanged"):
        db.execute(f"alter table releases add column [{column}] integer")


@migrations()
def m201_category_benchmarks(db: Database) -> None:
    """Per-release category benchmarks: where a product's footprint stands among its peers."""
    db["category_benchmarks"].create(
        {
            "release_id": int,
            "category": str,
            "declared_unit": str,
            "system_boundary": str,
            "as_of": str,
            "peers": int,
            "median": str,  # kg CO2e per 1 declared unit, exact decimal
            "points": str,  # JSON list of up to 1001 sorted order statistics (all values if fewer)
        },
        pk=("release_id", "category", "declared_unit", "system_boundary"),
    )


@migrations()
def m300_pact(db: Database) -> None:
    """PACT v3: data-recipient clients, their bearer tokens, and the outbox of events to send."""
    db["pact_clients"].create(
        {"id": str, "name": str, "secret_sha256": str, "created_at": str, "revoked_at": str},
        pk="id",
        not_null={"name", "secret_sha256", "created_at"},
    )
    db["pact_tokens"].create(
        {"token_sha256": str, "client_id": str, "issued_at": str, "expires_at": str},
        pk="token_sha256",
        not_null={"client_id", "issued_at", "expires_at"},
        foreign_keys=[("client_id", "pact_clients", "id")],
    )
    db["pact_tokens"].create_index(["client_id"])
    # One row per event to send; a worker leases a due row, so several workers never send
    # the same event at once, and a restart finds every row not yet done.
    db["pact_outbox"].create(
        {
            "id": int,
            "recipient": str,  # the allow-listed base URL the event goes to
            "request": str,  # JSON of the RequestCreatedEvent being answered
            "status": str,  # pending | done | failed
            "attempts": int,
            "next_attempt_at": float,  # epoch seconds
            "lease_until": float,
            "last_error": str,
            "created_at": str,
            "done_at": str,
        },
        pk="id",
        not_null={"recipient", "request", "status", "attempts", "next_attempt_at", "created_at"},
    )
    db["pact_outbox"].create_index(["status", "next_attempt_at"])


@migrations()
def m301_product_owner(db: Database) -> None:
    """The body that owns a product's shared fields (names, brand, category, units): the first
    to certify it. Existing products get the body of their earliest-issued certificate."""
    db.execute(
        "alter table products add column owner_body text references certification_bodies(id)"
    )
    db.execute(
        "update products set owner_body = (select c.body_id from certificates c "
        "where c.gtin = products.gtin order by c.issued_on, c.number limit 1)"
    )


def apply(db: Database) -> None:
    """Apply pending migrations."""
    migrations.apply(db)
