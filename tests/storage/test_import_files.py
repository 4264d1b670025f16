"""Import files in SQLite: memory stays flat with the file's size, and the validation worker
reports and writes exactly what in-process validation does."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from app.core.ingest import import_certificates
from app.db import connect, ensure_database
from app.storage.import_files import ImportFile
from app.storage.writer import SqlCatalogueWrites
from fixtures.certificates import rows, write_csv, write_rows
from tests.conftest import TODAY, open_database
from tests.helpers import release


def test_import_memory_does_not_grow_with_the_file(app, tmp_path):
    """Python-side peak memory of an import is set by the chunk size, not the file size."""

    def peak(n: int) -> int:
        path = write_csv(tmp_path / f"{n}.csv", n, start=100_000 * n)
        with open_database(app) as db:
            return measure(db, path, n)

    def measure(db, path, n: int) -> int:
        tracemalloc.start()
        try:
            counts, number = import_certificates(
                SqlCatalogueWrites(db),
                ImportFile(path, chunk=250),
                as_of=TODAY,
                actor="test",
                on_reject=print,
            )
            assert counts.inserted == n and number is not None
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(1_000), peak(5_000)
    assert large < small * 1.3, (small, large)


def test_worker_process_import_reports_and_writes_as_in_process(tmp_path):
    """The validation worker (used for large files) gives the same rejections, counts, release
    and content hash as validating in-process; a bad header still raises ValueError."""
    items = list(rows(1_200, start=500_000))
    items[7]["pcf"] = "-1"
    items[7]["issued_on"] = "2025-02-30"
    items[900]["number"] = items[3]["number"]  # duplicate within the file
    bad = write_rows(tmp_path / "bad.csv", items)
    good = write_csv(tmp_path / "good.csv", 1_200, start=600_000)

    def run(path: Path, worker: bool, name: str):
        database = str(tmp_path / f"{name}.db")
        ensure_database(database, seed_if_empty=True, today=TODAY)
        db = connect(database)
        rejected: list = []
        try:
            counts, rel = import_certificates(
                SqlCatalogueWrites(db),
                ImportFile(path, chunk=250, worker=worker),
                as_of=TODAY,
                actor="test",
                on_reject=lambda i, errors: rejected.append((i, errors)),
            )
            digest = db.execute("select content_hash from releases order by id desc").fetchone()
            return counts, rel, rejected, digest, release(db)
        finally:
            db.conn.close()

    assert run(bad, True, "bad-w") == run(bad, False, "bad-l")
    assert run(bad, True, "bad-w2")[2][0][0] == 8  # row 8: both bad fields, in file order
    in_worker, in_process = run(good, True, "good-w"), run(good, False, "good-l")
    assert in_worker == in_process and in_worker[1] == 2 and in_worker[4] == (2, 1_288)

    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="lacks gtin, number"):
        run(tmp_path / "x.csv", True, "header")
