"""Emission factors: what a factor is, which series it belongs to, and unit handling."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from app.core.errors import NotFound
from app.core.messages import _
from app.core.records import RowInvalid, RowValidator

#: Gas basis of a factor: CO2 only, or all greenhouse gases as CO2-equivalent.
BASES = ("CO2", "CO2e")
#: What a factor's boundary covers. Life-cycle factors (same boundary as product footprints)
#: and grid-average / combustion CO2 factors are different series and are never added together.
#: "operational" covers the energy of running a service (a passenger-km, a m3 of tap water)
#: without its supply chain.
BOUNDARIES = ("life-cycle", "combustion", "grid-average", "operational")


@dataclass(frozen=True)
class Factor:
    id: str
    category: str
    name_zh: str
    name_en: str
    value: Decimal
    unit: str  # e.g. "kg CO2e/kWh"
    basis: str
    boundary: str
    region: str  # "CN" or a region / province id, e.g. "CN-North", "CN-GD"
    year: int
    publisher: str
    source_title: str
    source_url: str
    published_on: str | None
    database: str | None
    version: str | None
    uncertainty_pct: Decimal | None
    note: str | None
    sample: bool = False

    @property
    def per_unit(self) -> str:
        """The activity unit the factor applies to: 'kWh' for 'kg CO2e/kWh'."""
        return self.unit.split("/", 1)[1] if "/" in self.unit else self.unit


@dataclass(frozen=True)
class FactorQuery:
    category: str | None = None
    region: str | None = None
    year: int | None = None
    basis: str | None = None
    boundary: str | None = None


class FactorStore(Protocol):
    def factors(self, query: FactorQuery) -> list[Factor]:
        """Factors matching every given filter, ordered by category, region, year."""

    def factor(self, factor_id: str) -> Factor | None:
        """One factor by id, or None."""


def get_factor(store: FactorStore, factor_id: str) -> Factor:
    """Raises NotFound if no factor has this id."""
    factor = store.factor(factor_id)
    if factor is None:
        raise NotFound(
            _("No emission factor with id '%(factor_id)s'.", factor_id=factor_id),
            factor_id=factor_id,
        )
    return factor


def latest(factors: Iterable[Factor]) -> Factor | None:
    """The factor with the most recent year (then the most recent publication)."""
    return max(factors, key=lambda f: (f.year, f.published_on or ""), default=None)


# -- import rows -------------------------------------------------------------------------
#: Columns of a factor import row (CSV header / JSON Lines keys), in documented order.
FACTOR_FIELDS = (
    "id",
    "category",
    "name_zh",
    "name_en",
    "value",
    "unit",
    "basis",
    "boundary",
    "region",
    "year",
    "publisher",
    "source_title",
    "source_url",
    "published_on",
    "database",
    "version",
    "uncertainty_pct",
    "note",
    "sample",
)
_FACTOR_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
_CATEGORY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_UNIT = re.compile(r"^(g|kg|t) (CO2e?)/\S{1,32}$")
_REGION = re.compile(r"^[A-Z]{2}(-[A-Za-z0-9]{1,32})?$")
_URL = re.compile(r"^https?://[^\s/]+\S*$")
_PUBLISHED = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2])(-[0-9]{2})?)?$")
FIRST_YEAR, LAST_YEAR = 1990, 2100


def validate_factor_row(raw: Mapping[str, Any]) -> Factor:
    """Validate one factor import row. Raises RowInvalid listing every bad field, each with a
    machine-readable reason (the same reasons as certificate rows where they apply)."""
    v = RowValidator(raw)
    for name in sorted(k for k in raw if k not in FACTOR_FIELDS):
        v.fail(
            name,
            "unknown_field",
            _("'%(name)s' is not a column of the factor import format.", name=name),
        )
    factor_id = v.pattern(
        "id", _FACTOR_ID, "invalid_id", _("a lower-case id such as cn-grid-co2-2023")
    )
    category = v.pattern("category", _CATEGORY, "invalid_category", _("a lower-case category"))
    name_zh = v.text("name_zh", required=True)
    value = v.decimal("value", required=True)
    unit = v.pattern("unit", _UNIT, "unknown_unit", "'kg CO2e/kWh', 'kg CO2/m3' ...")
    basis = v.choice("basis", BASES, reason="unknown_basis", required=True)
    boundary = v.choice("boundary", BOUNDARIES, reason="unknown_boundary", required=True)
    region = v.pattern("region", _REGION, "invalid_region", "CN, CN-North, CN-GD or GB")
    year = v.year("year", FIRST_YEAR, LAST_YEAR)
    publisher = v.text("publisher", required=True)
    source_title = v.text("source_title", required=True)
    source_url = v.pattern("source_url", _URL, "invalid_url", _("an http(s) URL"))
    published_on = v.pattern(
        "published_on", _PUBLISHED, "invalid_date", _("YYYY, YYYY-MM or YYYY-MM-DD"), required=False
    )
    version = v.text("version", required=True)
    uncertainty = v.decimal("uncertainty_pct")
    if unit and basis:
        unit_basis = _UNIT.match(unit).group(2)  # type: ignore[union-attr]
        if unit_basis != basis:
            v.fail(
                "unit",
                "basis_mismatch",
                _(
                    "The unit '%(unit)s' is %(unit_basis)s, not %(basis)s.",
                    unit=unit,
                    unit_basis=unit_basis,
                    basis=basis,
                ),
            )
    sample = v.boolean("sample")
    name_en = v.text("name_en")
    database, note = v.text("database"), v.text("note")
    if v.errors:
        raise RowInvalid(v.errors)
    return Factor(
        id=factor_id,  # type: ignore[arg-type]
        category=category,  # type: ignore[arg-type]
        name_zh=name_zh,  # type: ignore[arg-type]
        name_en=name_en or name_zh,  # type: ignore[arg-type]
        value=Decimal(value),  # type: ignore[arg-type]
        unit=unit,  # type: ignore[arg-type]
        basis=basis,  # type: ignore[arg-type]
        boundary=boundary,  # type: ignore[arg-type]
        region=region,  # type: ignore[arg-type]
        year=year,  # type: ignore[arg-type]
        publisher=publisher,  # type: ignore[arg-type]
        source_title=source_title,  # type: ignore[arg-type]
        source_url=source_url,  # type: ignore[arg-type]
        published_on=published_on,
        database=database,
        version=version,
        uncertainty_pct=Decimal(uncertainty) if uncertainty is not None else None,
        note=note,
        sample=sample,
    )
