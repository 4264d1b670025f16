"""`flask catalog import` and `flask keys`: validation report, atomic releases, idempotence,
revisions, caches that refresh, and a kill -9 that leaves the previous release intact."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from app.core.records import FIELDS
from fixtures.certificates import rows, write_csv, write_jsonl, write_rows
from tests.conftest import ROOT, TODAY
from tests.engines import engine  # noqa: F401  (both engines)
from tests.helpers import assert_error, import_row, release


def test_import_csv_creates_a_release(runner, db, tmp_path, client):
    result = runner.invoke(args=["catalog", "import", str(write_csv(tmp_path / "c.csv", 50))])
    assert result.exit_code == 0, result.output
    assert "50 new" in result.output and "Release 2 created." in result.output
    assert release(db) == (2, 88 + 50)
    health = client.get("/v1/health").json["catalogue"]
    assert (
        health["number"] == 2
        and health["source"] == "import:c.csv"
        and len(health["content_hash"]) == 64
    )
    assert health["rows"]["inserted"] == 50
    audit = db.execute("select actor, action, target from audit_log").fetchall()
    assert audit[0][0].startswith("cli:") and audit[0][1:] == ("import", "import:c.csv")


def test_import_jsonl_same_as_csv(runner, db, tmp_path):
    result = runner.invoke(args=["catalog", "import", str(write_jsonl(tmp_path / "c.jsonl", 20))])
    assert result.exit_code == 0, result.output
    assert release(db) == (2, 88 + 20)
    # The same certificates as CSV: nothing changes.
    result = runner.invoke(args=["catalog", "import", str(write_csv(tmp_path / "c.csv", 20))])
    assert "20 unchanged" in result.output and "Nothing changed" in result.output
    assert release(db) == (2, 88 + 20)


def test_importing_the_same_file_twice_changes_nothing(runner, db, tmp_path):
    path = write_csv(tmp_path / "c.csv", 30)
    runner.invoke(args=["catalog", "import", str(path)])
    before = release(db)
    result = runner.invoke(args=["catalog", "import", str(path)])
    assert result.exit_code == 0 and "30 unchanged" in result.output
    assert release(db) == before
    assert db.execute("select count(*) from certificate_revisions").fetchone()[0] == 0


def test_rejected_rows_are_reported_and_nothing_changes(runner, db, tmp_path):
    items = list(rows(5))
    items[1]["gtin"] = "00200106000015"
    items[3]["declared_unit"] = "pound"
    items[3]["issued_on"] = "2025-02-30"
    items.append(dict(items[0]))  # the same certificate twice
    result = runner.invoke(args=["catalog", "import", str(write_rows(tmp_path / "bad.csv", items))])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("row ")]
    assert [line.split(" - ")[0] for line in lines] == [
        "row 2, field gtin: invalid_gtin",
        "row 4, field declared_unit: unknown_unit",
        "row 4, field issued_on: invalid_date",
        "row 6, field number: duplicate",
    ]
    assert "expected 4, got 5" in lines[0]
    assert release(db) == (1, 88)


def test_a_bad_row_after_chunks_were_written_leaves_nothing(runner, db, tmp_path):
    # Two chunks of 5,000 rows are written (COPY on PostgreSQL) inside the release's
    # transaction before the bad row is read: all of it is rolled back.
    items = list(rows(11_000))
    items[10_500]["pcf"] = "-1"
    products = db.execute("select count(*) from products").fetchone()[0]
    result = runner.invoke(args=["catalog", "import", str(write_rows(tmp_path / "bad.csv", items))])
    assert result.exit_code == 1, result.output
    assert "row 10501, field pcf" in result.output
    assert release(db) == (1, 88)
    assert db.execute("select count(*) from products").fetchone()[0] == products
    assert db.execute("select count(*) from audit_log").fetchone()[0] == 0


def test_dry_run_validates_but_writes_nothing(runner, db, tmp_path):
    result = runner.invoke(
        args=["catalog", "import", "--dry-run", str(write_csv(tmp_path / "c.csv", 10))]
    )
    assert result.exit_code == 0 and "10 new" in result.output and "Dry run" in result.output
    assert release(db) == (1, 88)


def test_new_version_becomes_a_revision_and_status_an_event(runner, db, tmp_path, client):
    items = list(rows(3))
    runner.invoke(args=["catalog", "import", str(write_rows(tmp_path / "v1.csv", items))])
    items[0]["pcf"] = "1.23"
    items[1].update(
        status="suspended", status_reason="审核中 / under audit", status_changed_on="2026-06-01"
    )
    result = runner.invoke(args=["catalog", "import", str(write_rows(tmp_path / "v2.csv", items))])
    assert "1 revised, 1 status changes, 1 unchanged" in result.output, result.output
    assert release(db) == (3, 91)

    history = client.get(f"/v1/certificates/{items[0]['number']}").json["history"]
    assert history["revision"] == 2 and history["revisions"][0]["superseded_in_release"] == 3
    body = client.get(f"/v1/certificates/{items[1]['number']}").json
    assert (
        body["status"] == "suspended"
        and body["history"]["status_events"][0]["effective_on"] == "2026-06-01"
    )

    # Revoked in a file, then "valid" again in a later file: revoked is final.
    items[1].update(status="revoked", status_reason="fraud")
    runner.invoke(args=["catalog", "import", str(write_rows(tmp_path / "v3.csv", items))])
    items[1].update(status="valid", status_reason="")
    result = runner.invoke(args=["catalog", "import", str(write_rows(tmp_path / "v4.csv", items))])
    assert result.exit_code == 1 and "row 2, field status: conflict" in result.output


def test_another_bodys_certificate_is_rejected(runner, db, tmp_path):
    items = list(rows(1, start=1))
    items[0]["number"] = "DEMO-PCF-2025-0004"  # a DEMOCB certificate in the fixtures
    result = runner.invoke(args=["catalog", "import", str(write_rows(tmp_path / "c.csv", items))])
    assert result.exit_code == 1 and "field body: forbidden" in result.output


def test_lookup_etag_changes_when_an_import_changes_the_data(runner, client, tmp_path):
    items = list(rows(1))
    runner.invoke(args=["catalog", "import", str(write_rows(tmp_path / "v1.csv", items))])
    url = f"/v1/products/{items[0]['gtin']}"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    items[0]["pcf"] = "3.21"
    runner.invoke(args=["catalog", "import", str(write_rows(tmp_path / "v2.csv", items))])
    second = client.get(url, headers={"If-None-Match": etag})
    assert second.status_code == 200 and second.headers["ETag"] != etag
    assert second.json["footprint"]["value"] == "3.21"


def test_missing_file_and_bad_header(runner, tmp_path):
    assert runner.invoke(args=["catalog", "import", str(tmp_path / "nope.csv")]).exit_code == 2
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    result = runner.invoke(args=["catalog", "import", str(tmp_path / "x.csv")])
    assert result.exit_code == 1 and "lacks gtin, number" in result.output


def test_keys_create_list_revoke(runner, db, client):
    result = runner.invoke(args=["keys", "create", "TJSCC"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    key_id = token.removeprefix("tanji_").split(".")[0]
    stored = db.execute("select secret_sha256 from api_keys where id = ?", [key_id]).fetchone()[0]
    assert token.split(".", 1)[1] not in stored and len(stored) == 64  # only the hash is kept
    assert key_id in runner.invoke(args=["keys", "list"]).output
    assert runner.invoke(args=["keys", "create", "NOBODY"]).exit_code == 1
    assert runner.invoke(args=["keys", "revoke", key_id]).exit_code == 0
    assert "revoked" in runner.invoke(args=["keys", "list"]).output
    assert_error(client.post("/v1/admin/certificates", json={}, headers={"X-API-Key": token}), 401)
    audit = db.execute("select actor, action, target, detail from audit_log order by id").fetchall()
    assert [row[1:] for row in audit] == [
        ("key.create", key_id, '{"body": "TJSCC"}'),
        ("key.revoke", key_id, '{"body": "TJSCC"}'),
    ]
    assert all(row[0].startswith("cli:") for row in audit)


def open_for_writing(fifo: Path, proc: subprocess.Popen, timeout: float = 30):
    """Open a named pipe once the importer has opened it for reading (never block forever)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError:  # ENXIO: no reader yet
            assert proc.poll() is None and time.monotonic() < deadline, "the importer never read"
            time.sleep(0.02)
    os.set_blocking(fd, True)
    return open(fd, "w", newline="", encoding="utf-8")


@pytest.mark.sqlite_only("watches uncommitted pages reach SQLite's WAL file")
def test_kill_9_mid_import_leaves_the_previous_release_intact(app, tmp_path):
    # The import reads a named pipe: once 15,000 of 20,000 rows are written, the importer has
    # written three chunks inside its open transaction and waits for more; then it is killed.
    # A 1 MiB page cache makes it spill those uncommitted pages to the WAL file first.
    database = app.config["DATABASE"]
    fifo = tmp_path / "big.csv"
    os.mkfifo(fifo)
    env = {
        **os.environ,
        "TANJI_DATABASE": database,
        "TANJI_TODAY": TODAY.isoformat(),
        "TANJI_IMPORT_CACHE_MB": "1",
    }
    flask = str(Path(sys.executable).with_name("flask"))
    proc = subprocess.Popen(
        [flask, "--app", "app", "catalog", "import", str(fifo)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with open_for_writing(fifo, proc) as pipe:
            writer = csv.DictWriter(pipe, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(rows(15_000))
            pipe.flush()
            wal = Path(database + "-wal")
            deadline = time.monotonic() + 30
            while wal.stat().st_size < 1_000_000 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert wal.stat().st_size >= 1_000_000, "no uncommitted pages reached the WAL"
            assert proc.poll() is None
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    except BrokenPipeError:  # the reader is gone: expected once it is killed
        pass
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    conn = sqlite3.connect(database)
    try:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("select max(id) from releases").fetchone()[0] == 1
        assert conn.execute("select count(*) from certificates").fetchone()[0] == 88
        assert conn.execute("select count(*) from products").fetchone()[0] == 76
    finally:
        conn.close()


def test_kill_9_mid_import_into_postgresql_leaves_the_previous_release_and_no_lock(
    pg_database, tmp_path
):
    # As above on PostgreSQL: the importer has sent three chunks (COPY) inside its open
    # transaction, holding the catalogue's advisory lock, when it is killed. The server rolls
    # back, and the lock goes with the connection: the next import is not kept waiting.
    fifo = tmp_path / "big.csv"
    os.mkfifo(fifo)
    env = {**os.environ, "TANJI_DATABASE_URL": pg_database, "TANJI_TODAY": TODAY.isoformat()}
    flask = str(Path(sys.executable).with_name("flask"))
    command = [flask, "--app", "app", "catalog", "import"]
    proc = subprocess.Popen(
        [*command, str(fifo)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with psycopg.connect(pg_database, autocommit=True) as conn:
        try:
            with open_for_writing(fifo, proc) as pipe:
                writer = csv.DictWriter(pipe, fieldnames=FIELDS)
                writer.writeheader()
                writer.writerows(rows(15_000))
                pipe.flush()
                deadline = time.monotonic() + 30
                while (
                    time.monotonic() < deadline
                    and not conn.execute(
                        "select count(*) from pg_locks where locktype = 'advisory' and granted"
                    ).fetchone()[0]
                ):
                    time.sleep(0.05)
                time.sleep(1)  # the chunks already read go to the server meanwhile
                assert proc.poll() is None
                proc.send_signal(signal.SIGKILL)
                proc.wait()
        except BrokenPipeError:
            pass
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        deadline = time.monotonic() + 10  # the server notices the closed connection
        while (
            time.monotonic() < deadline
            and conn.execute(
                "select count(*) from pg_locks where locktype = 'advisory'"
            ).fetchone()[0]
        ):
            time.sleep(0.05)
        assert conn.execute("select max(id) from releases").fetchone()[0] == 1
        assert conn.execute("select count(*) from certificates").fetchone()[0] == 88
    done = subprocess.run(
        [*command, str(write_csv(tmp_path / "c.csv", 10))],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and "Release 2 created." in done.stdout, done.stdout + done.stderr


def test_json_schema_documents_every_column():
    schema = json.loads((ROOT / "schemas" / "certificate-import.schema.json").read_text())
    assert set(schema["properties"]) == set(FIELDS) | {"reference_period"}
    assert set(schema["required"]) <= set(FIELDS)


def test_jsonl_nested_period_and_a_broken_line(runner, db, tmp_path):
    row = {k: v for k, v in next(rows(1)).items() if v != ""}
    period = {"start": row.pop("reference_period_start"), "end": row.pop("reference_period_end")}
    good = json.dumps({**row, "reference_period": period, "standards": ["ISO 14067:2018"]})
    path = tmp_path / "c.jsonl"
    path.write_text(good + "\n{not json\n[1]\n", encoding="utf-8")
    result = runner.invoke(args=["catalog", "import", str(path)])
    assert result.exit_code == 1
    assert "row 2, field row: invalid_json" in result.output
    assert "row 3, field row: invalid_json" in result.output
    path.write_text(good + "\n", encoding="utf-8")
    assert runner.invoke(args=["catalog", "import", str(path)]).exit_code == 0
    assert release(db) == (2, 89)


def test_benchmark_peers_are_current_valid_certificates_per_product(runner, client, tmp_path):
    # A group of its own: cement, per kilogram, cradle-to-grave (the fixtures have none).
    def row(i: int, pcf: str, **changes) -> dict:
        r = next(rows(1, start=i))
        r.update(category="cement", declared_unit="kilogram", system_boundary="cradle-to-grave")
        r.update(pcf=pcf, net_content_amount="2", net_content_unit="kilogram", **changes)
        return r

    items = [row(i, pcf) for i, pcf in zip((1, 2, 4, 5, 7), ("1", "2", "3", "4", "5"), strict=True)]
    renewal = row(1, "0.5", number="TJS-GEN-RENEWED", issued_on="2025-09-01")
    suspended = row(8, "100", status="suspended", status_reason="audit")
    per_tonne = row(10, "2500", declared_unit_amount="1000")
    path = write_rows(tmp_path / "b.csv", [*items, renewal, suspended, per_tonne])
    result = runner.invoke(args=["catalog", "import", str(path)])
    assert result.exit_code == 0, result.output

    b = client.get(f"/v1/products/{items[2]['gtin']}?lang=en").json["benchmark"]
    # Peers: products 1 (its newer 0.5 certificate only), 2, 4, 5, 7 and the per-tonne one
    # (2.5 per kilogram); the suspended one does not count.
    assert (b["peers"], b["median"], b["value"], b["percentile"]) == (6, "2.75", "3", 50)
    assert b["vs_median_pct"] == 9 and b["text"].startswith("9% above the median of 6")
    assert client.get(f"/v1/products/{suspended['gtin']}").json["benchmark"] is None


def test_the_fixture_catalogue_flattened_imports_as_unchanged(runner, db, tmp_path, catalogue_data):
    """Seed and import agree on every field: the fixtures, flattened, change nothing."""
    path = tmp_path / "fixtures.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for c in catalogue_data["certificates"]:
            f.write(json.dumps(import_row(catalogue_data, c["number"])) + "\n")
    result = runner.invoke(args=["catalog", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "88 unchanged" in result.output and "Nothing changed" in result.output
    assert release(db) == (1, 88)


def test_rejections_are_listed_in_row_order_in_a_dry_run(runner, db, tmp_path):
    items = list(rows(4))
    items[1] = dict(items[0])  # row 2 repeats row 1: rejected when planning
    items[2]["category"] = "toys"  # row 3: rejected when validating
    path = write_rows(tmp_path / "bad.csv", items)
    result = runner.invoke(args=["catalog", "import", "--dry-run", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("row ")]
    assert [line.split(" - ")[0] for line in lines] == [
        "row 2, field number: duplicate",
        "row 3, field category: unknown_category",
    ]
    # Every known category is named, not "16 known values".
    assert "'toys' is not one of: ammonium_phosphate_fertiliser, beverage, cement," in lines[1]
    assert "known values" not in lines[1] and "wood_product" in lines[1]


def test_footprint_per_sales_unit_is_derived_or_warned(runner, db, tmp_path, client):
    items = list(rows(2))
    # Row 1 is sold per kilogram, as declared: 2 kg packs, pcf per 1 kg -> 2 x pcf.
    items[0].update(
        category="steel",
        declared_unit="kilogram",
        sales_unit="kilogram",
        sales_unit_amount="2",
        net_content_amount="",
        net_content_unit="",
        pcf="1.25",
    )
    # Row 2 is sold per item but declared per square meter: nothing to derive from.
    items[1].update(pcf_per_sales_unit="")
    path = write_rows(tmp_path / "c.csv", items)
    for args in (["--dry-run", str(path)], [str(path)]):
        result = runner.invoke(args=["catalog", "import", *args])
        assert result.exit_code == 0, result.output
        warnings = [line for line in result.output.splitlines() if line.startswith("warning")]
        assert len(warnings) == 1 and warnings[0].startswith(
            "warning: row 2, field pcf_per_sales_unit: no_sales_unit_figure - "
        ), result.output
        assert "1 with warnings" in result.output
    body = client.get(f"/v1/certificates/{items[0]['number']}").get_json()
    assert body["pcf_per_sales_unit"] == "2.50"


def test_revisions_have_the_public_shape_of_the_certificate(runner, tmp_path, client):
    items = list(rows(1))
    runner.invoke(args=["catalog", "import", str(write_rows(tmp_path / "v1.csv", items))])
    old_pcf = items[0]["pcf"]
    items[0]["pcf"] = "1.23"
    runner.invoke(args=["catalog", "import", str(write_rows(tmp_path / "v2.csv", items))])
    body = client.get(f"/v1/certificates/{items[0]['number']}?lang=en").json
    (revision,) = body["history"]["revisions"]
    old = revision["certificate"]
    derived = {"status", "status_label", "certified", "notice", "product", "history", "lang"}
    assert set(old) == set(body) - derived
    assert old["standards"] == ["GB/T 24067-2024", "ISO 14067:2018"]  # a list, not JSON text
    assert old["sample"] is body["sample"] is True and old["pcf"]["value"] == old_pcf
    assert old["certification_body"] == body["certification_body"]
    assert "release_id" not in str(revision) and "body_id" not in old


def test_the_operator_may_change_any_bodys_product(runner, client, tmp_path, catalogue_data):
    """Product fields belong to the first body to certify the product, but an operator's
    import may change them (e.g. to correct a brand)."""
    row = import_row(catalogue_data, "TJS-PCF-2025-0006")
    path = tmp_path / "fix.jsonl"
    path.write_text(json.dumps({**row, "brand": "朔光 (corrected)"}, ensure_ascii=False) + "\n")
    result = runner.invoke(args=["catalog", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Release 2 created." in result.output
    assert client.get(f"/v1/products/{row['gtin']}").json["brand"] == "朔光 (corrected)"
