"""Synthetic certificates in the import format (fictional: restricted-circulation GTINs)."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from pathlib import Path

from app.core.ingest import FIELDS

#: (category, declared unit) pairs from the sample catalogue.
CATEGORIES = (
    ("lithium_battery", "kilowatt hour"),
    ("pv_module", "square meter"),
    ("steel", "kilogram"),
    ("electrolytic_aluminium", "kilogram"),
    ("cement", "kilogram"),
    ("textile", "item"),
    ("electronics", "item"),
    ("beverage", "liter"),
    ("wood_product", "cubic meter"),
    ("tyre", "item"),
)


def gtin14(i: int) -> str:
    """A restricted-circulation (prefix 02) GTIN-13 as GTIN-14, numbered i."""
    body = f"02{i:010d}"
    total = sum(int(d) * (3 if k % 2 else 1) for k, d in enumerate(body))
    return "0" + body + str((10 - total % 10) % 10)


def rows(n: int, *, seed: int = 7, start: int = 0) -> Iterator[dict[str, str]]:
    """n valid certificate rows, one product each, deterministic for a seed."""
    rnd = random.Random(seed)
    for i in range(start, start + n):
        category, unit = CATEGORIES[i % len(CATEGORIES)]
        body, prefix = ("TJSCC", "TJS") if i % 3 else ("DEMOCB", "DEMO")
        pcf = f"{rnd.uniform(0.5, 90):.2f}"
        yield {
            "gtin": gtin14(i),
            "name_zh": f"示例产品 {i}（虚构）",
            "name_en": f"Sample product {i} (fictional)",
            "brand": "示例 Sample (fictional brand)",
            "category": category,
            "sales_unit_amount": "1",
            "sales_unit": "item",
            "net_content_amount": "" if unit == "item" else "2",
            "net_content_unit": "" if unit == "item" else unit,
            "number": f"{prefix}-GEN-{i:08d}",
            "body": body,
            "standards": "GB/T 24067-2024;ISO 14067:2018",
            "pcf": pcf,
            "declared_unit": unit,
            "declared_unit_amount": "1",
            "pcf_per_sales_unit": "",
            "system_boundary": "cradle-to-gate",
            "stages": "",
            "reference_period_start": "2024-01-01",
            "reference_period_end": "2024-12-31",
            "issued_on": "2025-03-01",
            "valid_until": "2028-02-28",
            "status": "valid",
            "status_reason": "",
            "status_changed_on": "",
            "verified_by": "示例核查员（虚构）",
            "verified_on": "2025-02-10",
            "characterization": "AR6",
            "factor_database": "CLCD",
            "factor_database_version": "0.9",
            "sample": "true",
        }


def write_csv(path: Path, n: int, **kwargs) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows(n, **kwargs))
    return path


def write_jsonl(path: Path, n: int, **kwargs) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows(n, **kwargs):
            f.write(
                json.dumps({k: v for k, v in row.items() if v != ""}, ensure_ascii=False) + "\n"
            )
    return path
