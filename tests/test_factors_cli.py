"""`flask factors import`: an official factor table loaded as one release, validated like
certificate imports; the seeded factors pass the same validation."""

from __future__ import annotations

import csv
import json

from app.core.factors import FACTOR_FIELDS
from tests.conftest import ROOT
from tests.engines import engine  # noqa: F401  (both engines)
from tests.helpers import release

FIXTURE_FACTORS = json.loads((ROOT / "fixtures" / "factors.json").read_text())["factors"]

NEW = {
    "id": "cn-electricity-footprint-2030",
    "category": "electricity",
    "name_zh": "全国电力平均碳足迹因子（测试）",
    "value": "0.4321",
    "unit": "kg CO2e/kWh",
    "basis": "CO2e",
    "boundary": "life-cycle",
    "region": "CN",
    "year": "2030",
    "publisher": "Test publisher",
    "source_title": "A test announcement",
    "source_url": "https://example.org/announcement-2030.html",
    "version": "2030",
    "uncertainty_pct": "5",
}


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FACTOR_FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return path


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return path


def test_the_seeded_factors_validate_and_import_as_unchanged(runner, db, tmp_path):
    path = write_jsonl(tmp_path / "factors.jsonl", FIXTURE_FACTORS)
    result = runner.invoke(args=["factors", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{len(FIXTURE_FACTORS)} unchanged, 0 rejected" in result.output
    assert "Nothing changed" in result.output and release(db)[0] == 1


def test_a_table_lands_as_one_release_and_the_estimator_uses_it(runner, db, tmp_path, client):
    changed = {**FIXTURE_FACTORS[0], "uncertainty_pct": "7", "sample": "false"}
    path = write_csv(tmp_path / "national.csv", [NEW, changed])
    dry = runner.invoke(args=["factors", "import", "--dry-run", str(path)])
    assert dry.exit_code == 0 and "1 new, 1 replaced" in dry.output and "Dry run" in dry.output
    assert client.get(f"/v1/factors/{NEW['id']}").status_code == 404

    result = runner.invoke(args=["factors", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 rows: 1 new, 1 replaced, 0 unchanged, 0 rejected" in result.output
    assert "Release 2 created." in result.output
    health = client.get("/v1/health").json["catalogue"]
    assert health["number"] == 2 and health["source"] == "factors:national.csv"
    body = client.get(f"/v1/factors/{NEW['id']}?lang=en").json
    assert (body["value"], body["year"], body["source_url"]) == (
        "0.4321",
        2030,
        NEW["source_url"],
    )
    assert body["name"] == NEW["name_zh"]  # no English name given: the Chinese one
    assert client.get(f"/v1/factors/{changed['id']}").json["uncertainty_pct"] == "7"
    estimate = client.post(
        "/v1/household/estimate",
        json={
            "period": {"month": "2026-05"},
            "household_size": 1,
            "electricity": {"amount": "100", "unit": "kWh"},
        },
    ).json
    assert estimate["lines"][0]["factor"]["id"] == NEW["id"]  # the latest national factor
    assert estimate["total"]["kg"] == "43.210"
    # Loading the same file again changes nothing.
    again = runner.invoke(args=["factors", "import", str(path)])
    assert "2 unchanged" in again.output and release(db)[0] == 2


def test_rejected_rows_are_listed_in_order_and_nothing_is_loaded(runner, db, tmp_path, client):
    rows = [
        {**NEW, "publisher": ""},
        {**NEW, "id": "x-2", "unit": "kg CO2/kWh"},  # basis CO2e, unit CO2
        {**NEW, "id": "x-3", "year": "20x0", "source_url": "www.mee.gov.cn", "boundary": "gate"},
        {**NEW, "id": "x-4"},
        {**NEW, "id": "x-4", "version": ""},
        {**NEW, "id": "x-6", "value": "-1", "colour": "red"},
        {**NEW, "id": "x-4", "value": "0.5"},
    ]
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    result = runner.invoke(args=["factors", "import", "--dry-run", str(path)])
    assert result.exit_code == 1
    lines = [line.split(" - ")[0] for line in result.output.splitlines() if line.startswith("row")]
    assert lines == [
        "row 1, field publisher: required",
        "row 2, field unit: basis_mismatch",
        "row 3, field boundary: unknown_boundary",
        "row 3, field year: invalid_year",
        "row 3, field source_url: invalid_url",
        "row 5, field version: required",
        "row 6, field colour: unknown_field",
        "row 6, field value: out_of_range",
        "row 7, field id: duplicate",
    ]
    assert "7 rows: 0 new, 0 replaced, 0 unchanged, 6 rejected" in result.output
    result = runner.invoke(args=["factors", "import", str(path)])
    assert result.exit_code == 1 and release(db)[0] == 1
    assert client.get("/v1/factors/x-4").status_code == 404


def test_a_csv_without_the_key_columns_is_refused(runner, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name,value\na,1\n")
    result = runner.invoke(args=["factors", "import", str(path)])
    assert result.exit_code == 1 and "lacks id" in result.output


def test_json_schema_documents_every_column():
    schema = json.loads((ROOT / "schemas" / "factor-import.schema.json").read_text())
    assert set(schema["properties"]) == set(FACTOR_FIELDS)
    assert set(schema["required"]) <= set(FACTOR_FIELDS)
    for row in FIXTURE_FACTORS:  # every seeded factor has the documented columns
        assert set(row) <= set(FACTOR_FIELDS) and set(schema["required"]) <= set(row)
