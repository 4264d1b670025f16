"""What an estimate is set beside, never added to: electricity at grid-average CO2 factors,
and national references (per person, household size, electricity per household)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.core.factors import Factor, latest
from app.core.messages import Message, _
from app.core.quantities import ratio, to_kg

#: Regional grids (as in estimator.GRID_REGIONS) by the name people know them by.
GRID_NAMES: dict[str, Message] = {
    "North": _("North China grid"),
    "Northeast": _("Northeast China grid"),
    "East": _("East China grid"),
    "Central": _("Central China grid"),
    "Northwest": _("Northwest China grid"),
    "South": _("China Southern grid"),
    "Southwest": _("Southwest China grid"),
}


@dataclass(frozen=True)
class View:
    """Electricity at a grid-average CO2 factor: shown for comparison, never in the total."""

    label: Message
    kwh: Decimal
    kg: Decimal
    factor: Factor


@dataclass(frozen=True)
class Reference:
    id: str
    label: Message
    value: Decimal
    unit: str
    year: int
    publisher: str
    source_title: str
    source_url: str
    note: Message


@dataclass(frozen=True)
class Comparison:
    reference: Reference
    yours: Decimal | None
    ratio: Decimal | None
    note: Message


#: National references for comparison, each with its source.
REFERENCES = (
    Reference(
        id="cn-co2-per-person-2023",
        label=_("China energy-related CO2 per person (2023)"),
        value=Decimal(8900),
        unit="kg CO2/person/year",
        year=2023,
        publisher="IEA; NBS (population)",
        source_title=(
            "IEA, CO2 Emissions in 2023 (March 2024): China about 12.6 Gt; "
            "NBS 2023 statistical communique: population 1,409.67 million"
        ),
        source_url="https://www.iea.org/reports/co2-emissions-in-2023",
        note=_(
            "Derived: 12.6 Gt / 1.40967 bn = 8.9 t. Covers every sector of the economy "
            "(industry, exports, public services), not only what households buy and use."
        ),
    ),
    Reference(
        id="cn-household-size-2020",
        label=_("Average household size, China (2020 census)"),
        value=Decimal("2.62"),
        unit="persons/household",
        year=2020,
        publisher="NBS (国家统计局)",
        source_title="第七次全国人口普查公报（第二号）: 平均每个家庭户的人口为2.62人",
        source_url="https://www.stats.gov.cn/",
        note=_("Census figure."),
    ),
    Reference(
        id="cn-residential-electricity-per-household-2023",
        label=_("Residential electricity per household (2023)"),
        value=Decimal(2514),
        unit="kWh/household/year",
        year=2023,
        publisher="NEA (国家能源局); NBS",
        source_title=(
            "国家能源局 2023年全社会用电量: 城乡居民生活用电量13524亿千瓦时; "
            "NBS population 1,409.67 million; census household size 2.62"
        ),
        source_url="https://www.nea.gov.cn/",
        note=_(
            "Derived: 1,352.4 bn kWh / (1,409.67 million / 2.62 persons per household) "
            "= 2,514 kWh (about 2,500)."
        ),
    ),
)


def grid_views(kwh: Decimal, region: str | None, table: Sequence[Factor]) -> tuple[View, ...]:
    """Electricity at grid-average CO2 factors, national and (with a province) regional."""
    if kwh == 0:
        return ()
    grid = [f for f in table if f.category == "electricity" and f.boundary == "grid-average"]
    views = []
    national = latest(f for f in grid if f.region == "CN")
    if national is not None:
        views.append(
            View(
                _("National grid-average CO2 factor (for reference, not in the total)"),
                kwh,
                to_kg(kwh * national.value),
                national,
            )
        )
    regional = latest(f for f in grid if region and f.region == f"CN-{region}")
    if regional is not None:
        views.append(
            View(
                _(
                    "Regional grid-average CO2 factor (%(region)s, for reference, not in the "
                    "total)",
                    region=GRID_NAMES.get(region or "", region),
                ),
                kwh,
                to_kg(kwh * regional.value),
                regional,
            )
        )
    return tuple(views)


def compare(per_person_year: Decimal, kwh_year: Decimal, size: Decimal) -> tuple[Comparison, ...]:
    co2, household, electricity = REFERENCES
    return (
        Comparison(
            co2,
            per_person_year,
            ratio(per_person_year, co2.value),
            _(
                "The national figure covers the whole economy (industry, exports, public "
                "services); this estimate covers only what you entered, so the boundaries differ."
            ),
        ),
        Comparison(
            household,
            size,
            ratio(size, household.value),
            _("Your household size against the national average."),
        ),
        Comparison(
            electricity,
            to_kg(kwh_year),
            ratio(kwh_year, electricity.value),
            _(
                "Your electricity (including EV charging), annualised, against the residential "
                "average per household."
            ),
        ),
    )
