"""PACT v3 in SQLite: certificate revisions as the core reads them, clients and tokens, and
the event outbox. Implements the core's RevisionSource, ClientStore and Outbox protocols."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from app.core.pact import RevisionRecord
from app.core.pact_auth import Client, StoredToken
from app.core.pact_events import OutboxJob
from app.storage.catalog import CatalogueReads


class SqliteRevisions:
    """Every revision of every certificate: the current row plus certificate_revisions (the
    statements are shared: PostgreSQL's catalogue reads them through this class too)."""

    def __init__(self, catalogue: CatalogueReads) -> None:
        self.catalogue = catalogue
        self.db = catalogue.db

    def release_id(self) -> int:
        return self.catalogue.release_id()

    def revisions(self, gtins: Iterable[str] | None = None) -> list[RevisionRecord]:
        """Ordered by certificate number, then revision."""
        where, params = "", []
        dialect = self.db.dialect
        if gtins is not None:
            where = f" where c.gtin {dialect.in_list}"
            params = [dialect.list_param(gtins)]
        current = list(self.db.query(f"select c.* from certificates c{where}", params))
        if not current:
            return []
        numbers = dialect.list_param(row["number"] for row in current)
        earlier: dict[str, list[dict[str, Any]]] = {}
        for row in self.db.query(
            f"select * from certificate_revisions where number {dialect.in_list} "
            "order by number, revision",
            [numbers],
        ):
            earlier.setdefault(row["number"], []).append(row)
        products = self.catalogue.products({row["gtin"] for row in current})
        records = []
        for row in sorted(current, key=lambda r: r["number"]):
            latest = row["revision"] or 1
            product = products.get(row["gtin"])
            if product is None:
                continue
            versions = [
                (r["revision"], {**json.loads(r["data"]), "number": row["number"]})
                for r in earlier.get(row["number"], [])
            ] + [(latest, row)]
            replaced_at = {
                r["revision"] + 1: r["superseded_at"] for r in earlier.get(row["number"], [])
            }
            for revision, fields in versions:
                at = replaced_at.get(revision)
                records.append(
                    RevisionRecord(
                        certificate=self.catalogue._certificate(_complete(fields)),
                        revision=revision,
                        latest_revision=latest,
                        product=product,
                        replaced_previous_at=dt.datetime.fromisoformat(at) if at else None,
                    )
                )
        return records


def _complete(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A saved revision's JSON may lack columns added after it was written."""
    return {
        "declared_unit_amount": None,
        "pcf_per_sales_unit": None,
        "stages": None,
        "status_reason": None,
        "status_changed_on": None,
        "verified_by": None,
        "verified_on": None,
        "factor_database": None,
        "factor_database_version": None,
        "characterization": "AR6",
        "sample": 0,
        **fields,
    }


class PactStore:
    """Clients, tokens and the event outbox on either engine's database."""

    def __init__(self, db: Any) -> None:
        self.db = db

    def _write(self) -> AbstractContextManager:
        # No catalogue lock: an import must not hold up /auth/token or the outbox.
        return self.db.write_transaction(lock=None)

    def _one(self, sql: str, params: list[Any]) -> Any:
        return self.db.execute(sql, params).fetchone()

    def _change(self, sql: str, params: list[Any]) -> int:
        """Run one statement in a write transaction; returns how many rows it changed."""
        with self._write():
            return self.db.execute(sql, params).rowcount

    def _change_one(self, sql: str, params: list[Any]) -> Any:
        """Run one statement with RETURNING in a write transaction; its row, or None."""
        with self._write():
            return self.db.execute(sql, params).fetchone()

    # -- clients and tokens ----------------------------------------------------------
    def add_client(self, client: Client, secret_sha256: str) -> None:
        self._change(
            "insert into pact_clients (id, name, secret_sha256, created_at) values (?, ?, ?, ?)",
            [client.id, client.name, secret_sha256, client.created_at],
        )

    def client_secret(self, client_id: str) -> tuple[Client, str] | None:
        row = self._one(
            "select id, name, created_at, revoked_at, secret_sha256 from pact_clients where id = ?",
            [client_id],
        )
        return (Client(*row[:4]), row[4]) if row else None

    def clients(self) -> list[Client]:
        rows = self.db.execute(
            "select id, name, created_at, revoked_at from pact_clients order by created_at, id"
        )
        return [Client(*row) for row in rows]

    def revoke_client(self, client_id: str, at: str) -> Client | None:
        with self._write():
            row = self.db.execute(
                "update pact_clients set revoked_at = coalesce(revoked_at, ?) where id = ? "
                "returning id, name, created_at, revoked_at",
                [at, client_id],
            ).fetchone()
            self.db.execute("delete from pact_tokens where client_id = ?", [client_id])
        return Client(*row) if row else None

    def add_token(self, token_sha256: str, client_id: str, issued_at: str, expires_at: str) -> None:
        self._change(
            "insert into pact_tokens (token_sha256, client_id, issued_at, expires_at) "
            "values (?, ?, ?, ?)",
            [token_sha256, client_id, issued_at, expires_at],
        )

    def token(self, token_sha256: str) -> StoredToken | None:
        row = self._one(
            "select c.id, c.name, c.created_at, c.revoked_at, t.expires_at "
            "from pact_tokens t join pact_clients c on c.id = t.client_id "
            "where t.token_sha256 = ?",
            [token_sha256],
        )
        if row is None:
            return None
        return StoredToken(Client(*row[:4]), dt.datetime.fromisoformat(row[4]))

    def purge_tokens(self, before: str) -> int:
        """Delete tokens that expired before this ISO instant; returns how many."""
        return self._change("delete from pact_tokens where expires_at < ?", [before])

    # -- outbox ----------------------------------------------------------------------
    def enqueue(self, recipient: str, request: Mapping[str, Any], *, now: float) -> int:
        return self._change_one(
            "insert into pact_outbox (recipient, request, status, attempts, next_attempt_at, "
            "created_at) values (?, ?, 'pending', 0, ?, ?) returning id",
            [
                recipient,
                json.dumps(request, ensure_ascii=False),
                now,
                dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds"),
            ],
        )[0]

    def claim(self, *, now: float, lease_seconds: float) -> OutboxJob | None:
        row = self._change_one(
            "update pact_outbox set lease_until = ?, attempts = attempts + 1 "
            "where id = (select id from pact_outbox where status = 'pending' "
            "and next_attempt_at <= ? and (lease_until is null or lease_until <= ?) "
            f"order by next_attempt_at, id limit 1{self.db.dialect.skip_locked}) "
            "returning id, recipient, request, attempts",
            [now + lease_seconds, now, now],
        )
        if row is None:
            return None
        return OutboxJob(row[0], row[1], json.loads(row[2]), row[3])

    def done(self, job_id: int, *, at: str) -> None:
        self._change(
            "update pact_outbox set status = 'done', done_at = ?, lease_until = null where id = ?",
            [at, job_id],
        )

    def retry(self, job_id: int, *, at: float, error: str) -> None:
        self._change(
            "update pact_outbox set next_attempt_at = ?, lease_until = null, last_error = ? "
            "where id = ?",
            [at, error[:1000], job_id],
        )

    def fail(self, job_id: int, *, error: str) -> None:
        self._change(
            "update pact_outbox set status = 'failed', lease_until = null, last_error = ? "
            "where id = ?",
            [error[:1000], job_id],
        )

    def outbox(self) -> list[dict[str, Any]]:
        """Every outbox row, oldest first (for the CLI and tests)."""
        return list(self.db.query("select * from pact_outbox order by id"))
