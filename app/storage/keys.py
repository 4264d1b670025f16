"""API keys of certification bodies: created once, stored only as a SHA-256 hash, checked in
constant time, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from app.core.errors import NotFound, Unauthorized
from app.core.messages import _
from app.storage.rows import insert_sql

PREFIX = "tanji"
#: Compared against when the key id is unknown, so a miss costs the same as a wrong secret.
_DUMMY = hashlib.sha256(b"no such key").hexdigest()
_COLUMNS = "id, body_id, created_at, revoked_at"
_AUDIT = insert_sql("audit_log", ("at", "actor", "action", "target", "detail"))


@dataclass(frozen=True)
class ApiKey:
    id: str
    body_id: str
    created_at: str
    revoked_at: str | None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeys:
    """API keys on either engine's database. The full key is ``tanji_<id>.<secret>``; only
    the id and the SHA-256 of the 256-bit secret are stored."""

    def __init__(self, db: Any) -> None:
        self.db = db

    def _write(self) -> AbstractContextManager:
        # Either engine's write transaction; on PostgreSQL without the catalogue's lock.
        return self.db.write_transaction(lock=None)

    def _audit(self, action: str, key: ApiKey, actor: str) -> None:
        self.db.execute(_AUDIT, [_now(), actor, action, key.id, json.dumps({"body": key.body_id})])

    def create(self, body_id: str, *, actor: str) -> tuple[ApiKey, str]:
        """A new key for ``body_id``, audited as ``actor``'s; returns it and the full token,
        which is shown once. Raises NotFound if no certification body has this id."""
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        key = ApiKey(key_id, body_id, _now(), None)
        with self._write():
            if not self.db.execute(
                "select 1 from certification_bodies where id = ?", [body_id]
            ).fetchone():
                raise NotFound(
                    _("No certification body with id '%(body_id)s'.", body_id=body_id),
                    body_id=body_id,
                )
            self.db.execute(
                "insert into api_keys (id, body_id, secret_sha256, created_at) values (?, ?, ?, ?)",
                [key_id, body_id, _digest(secret), key.created_at],
            )
            self._audit("key.create", key, actor)
        return key, f"{PREFIX}_{key_id}.{secret}"

    def revoke(self, key_id: str, *, actor: str) -> ApiKey:
        """Revoke the key at once (a revoked key stays revoked), audited as ``actor``'s.
        Raises NotFound if no key has this id."""
        with self._write():
            row = self.db.execute(
                "update api_keys set revoked_at = coalesce(revoked_at, ?) where id = ? "
                f"returning {_COLUMNS}",
                [_now(), key_id],
            ).fetchone()
            if row is None:
                raise NotFound(_("No API key with id '%(key_id)s'.", key_id=key_id), key_id=key_id)
            key = ApiKey(*row)
            self._audit("key.revoke", key, actor)
        return key

    def list(self) -> list[ApiKey]:
        rows = self.db.execute(f"select {_COLUMNS} from api_keys order by created_at, id")
        return [ApiKey(*row) for row in rows]

    def authenticate(self, token: str | None) -> ApiKey:
        """The live key ``token`` names. Raises Unauthorized (saying nothing more) otherwise."""
        key_id, _dot, secret = (token or "").removeprefix(f"{PREFIX}_").partition(".")
        row = self.db.execute(
            f"select {_COLUMNS}, secret_sha256 from api_keys where id = ?", [key_id]
        ).fetchone()
        ok = hmac.compare_digest(_digest(secret), row[4] if row else _DUMMY)
        if not (ok and row and secret and row[3] is None):
            raise Unauthorized(_("Missing, unknown or revoked API key."))
        return ApiKey(*row[:4])
