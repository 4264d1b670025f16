"""Emission factors: what a factor is, which series it belongs to, and unit handling."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from app.core.errors import NotFound

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
        raise NotFound(f"No emission factor with id '{factor_id}'.", factor_id=factor_id)
    return factor


def latest(factors: Iterable[Factor]) -> Factor | None:
    """The factor with the most recent year (then the most recent publication)."""
    return max(factors, key=lambda f: (f.year, f.published_on or ""), default=None)
