"""The catalogue on PostgreSQL: the shared reads (app.storage.catalog.CatalogueReads), with
the release read once per request, so a change committed through any node shows on every
node's next request."""

from __future__ import annotations

from app.storage.catalog import CatalogueReads, Maps
from app.storage.postgres.connection import PgDatabase


class PgCatalogue(CatalogueReads):
    """The catalogue for one request (or one CLI command) on a pooled connection.

    release_id() reads ``max(id)`` of releases (a primary-key probe, one round trip). With
    ``per_request`` (a catalogue made for one request) it keeps the answer until this
    connection commits a write: every lookup keys its cached response on it, so one read per
    request is the whole cost of freshness across nodes. Without it (a long-lived connection:
    CLI, delivery thread) every call reads. ``maps``: categories and bodies, shared by the
    requests of a process."""

    def __init__(
        self, db: PgDatabase, maps: Maps | None = None, *, per_request: bool = False
    ) -> None:
        super().__init__(db, maps)
        self.per_request = per_request
        self._release: int = 0
        self._release_stamp: int | None = None

    def release_id(self) -> int:
        """The current catalogue release number (0 before the first release)."""
        db = self.db
        if not self.per_request or db.in_transaction:  # a transaction may yet roll back
            return self._read_release_id()
        if db.commits != self._release_stamp:
            self._release, self._release_stamp = self._read_release_id(), db.commits
        return self._release
