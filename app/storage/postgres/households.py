"""Saved households in PostgreSQL: the shared statements of app/storage/households.py, with
the locks PostgreSQL needs where SQLite has one write lock, and VACUUM after every delete.

What "deleted" means here. The DELETE commits at once: from then on no query on any node
sees the rows. PostgreSQL leaves a deleted row where it was (a dead tuple) until VACUUM, so
``delete`` and ``purge`` run ``VACUUM (INDEX_CLEANUP ON)`` on both tables right after: it
takes the dead tuples off their pages and their entries out of the indexes, so no tuple, live
or dead, holds them any more (tests/routes/test_households_postgres.py reads every page with
pageinspect). It can do so only once no transaction older than the delete is still open; if
one is (a long import, a backup), autovacuum finishes the job later. VACUUM does not zero the
space the rows took: their bytes can stay in a page's free space until a new row takes it.
Only a rewrite removes them from the tables' files, and it locks both tables (reads too)
while it copies them: ``flask households purge --rewrite`` (VACUUM FULL), for a quiet hour.
The write-ahead log keeps copies until its segments are recycled, and base backups and WAL
archives until their own retention ends: keep that shorter than the household retention.
"""

from __future__ import annotations

from app.storage.households import TABLES, Households
from app.storage.postgres.connection import PgDatabase

#: pg_advisory_xact_lock key that serialises creations while the store limit is counted.
CREATE_LOCK = 0x74616E6A_0101


class PgHouseholds(Households):
    ENTRY_ORDER = "position"
    db: PgDatabase

    def _lock_households(self) -> None:
        self.db.execute("select pg_advisory_xact_lock(?)", [CREATE_LOCK])

    def _lock_household(self, household_id: str) -> None:
        self.db.execute("select 1 from households where id = ? for update", [household_id])

    def _erase(self) -> None:
        vacuum(self.db)

    def rewrite(self) -> None:
        """VACUUM FULL both tables: their files rewritten without the free space in which
        deleted rows' bytes may remain. Locks the tables (reads too) while it runs."""
        vacuum(self.db, full=True)


def vacuum(db: PgDatabase, *, full: bool = False) -> None:
    """VACUUM the household tables (in the connection's autocommit: VACUUM cannot run in a
    transaction). A plain one skips a table another VACUUM holds (autovacuum then does it)
    rather than wait; FULL waits for the tables."""
    options = "FULL" if full else "INDEX_CLEANUP ON, SKIP_LOCKED"
    db.execute(f"VACUUM ({options}) {', '.join(TABLES)}")
