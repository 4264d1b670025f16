"""PACT data recipients: OAuth2 client credentials and the bearer tokens issued for them.
Secrets and tokens are random and stored only as SHA-256 digests, behind the ClientStore
protocol; a token is a stored row, so it works in every worker and survives restarts."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Protocol

from app.core.errors import InvalidInput, NotFound, Unauthorized
from app.core.pact import TokenExpired

_NAME_MAX = 200


@dataclass(frozen=True)
class Client:
    id: str
    name: str
    created_at: str
    revoked_at: str | None = None


@dataclass(frozen=True)
class StoredToken:
    client: Client
    expires_at: dt.datetime


class ClientStore(Protocol):
    def add_client(self, client: Client, secret_sha256: str) -> None: ...

    def client_secret(self, client_id: str) -> tuple[Client, str] | None:
        """The client and its secret digest, or None."""

    def clients(self) -> list[Client]:
        """Every client, oldest first."""

    def revoke_client(self, client_id: str, at: str) -> Client | None:
        """Mark revoked (and drop its tokens); None when no such client."""

    def add_token(
        self, token_sha256: str, client_id: str, issued_at: str, expires_at: str
    ) -> None: ...

    def token(self, token_sha256: str) -> StoredToken | None: ...


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now_text(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).isoformat(timespec="seconds")


def create_client(store: ClientStore, name: str, *, now: dt.datetime) -> tuple[Client, str]:
    """A new client; returns it with its secret, which is not stored and cannot be shown again."""
    name = name.strip()
    if not name or len(name) > _NAME_MAX:
        raise InvalidInput(f"A client name is 1 to {_NAME_MAX} characters.", field="name")
    client = Client(id=f"pact-{secrets.token_hex(8)}", name=name, created_at=_now_text(now))
    secret = secrets.token_urlsafe(32)
    store.add_client(client, digest(secret))
    return client, secret


def revoke_client(store: ClientStore, client_id: str, *, now: dt.datetime) -> Client:
    """Revoke a client and its tokens at once. Raises NotFound."""
    client = store.revoke_client(client_id, _now_text(now))
    if client is None:
        raise NotFound(f"No PACT client {client_id}.", client_id=client_id)
    return client


def issue_token(
    store: ClientStore, client_id: str, secret: str, *, now: dt.datetime, ttl: int
) -> tuple[str, int]:
    """A bearer token for valid credentials, with its lifetime in seconds.
    Raises Unauthorized for an unknown or revoked client or a wrong secret."""
    found = store.client_secret(client_id)
    # Compare against a dummy digest when the client is unknown: same work either way.
    expected = found[1] if found else digest("")
    if not hmac.compare_digest(expected, digest(secret)) or not found or found[0].revoked_at:
        raise Unauthorized("Invalid client credentials.")
    token = secrets.token_urlsafe(32)
    expires = now + dt.timedelta(seconds=ttl)
    store.add_token(digest(token), client_id, _now_text(now), _now_text(expires))
    return token, ttl


def authenticate(store: ClientStore, token: str, *, now: dt.datetime) -> Client:
    """The client a bearer token belongs to. Raises Unauthorized, or TokenExpired."""
    stored = store.token(digest(token)) if token else None
    if stored is None or stored.client.revoked_at:
        raise Unauthorized("The access token is invalid.")
    if now >= stored.expires_at:
        raise TokenExpired("The access token has expired: get a new one at /auth/token.")
    return stored.client
