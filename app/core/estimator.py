"""The household estimator: what a household used and bought -> a voluntary, traceable estimate.

Plain Python: no Flask, no SQL. Storage is reached only through the Catalogue and FactorStore
protocols, so ``estimate`` is deterministic for a given catalogue, factor table and date.

How the total is composed (the one rule everything else follows):

    total = life-cycle lines   (electricity at the national life-cycle footprint factor,
                                certified purchases)
          + combustion lines   (CO2 of fuel burnt at home or in the car, heat-plant CO2 of
                                district heating, jet fuel per air passenger-km)
          + operational lines  (rail passenger-km, tap water supply)

Each boundary has its own subtotal. A grid-average CO2 electricity figure (national or
regional) is only ever shown as a separately labelled view and is never part of the total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.core.activities import HEAT_DEMAND, Activity, HeatingSeason, heating_season, measure
from app.core.bounds import check_day
from app.core.comparisons import Comparison, View, compare, grid_views
from app.core.errors import InvalidInput
from app.core.factors import Factor, FactorQuery, FactorStore, latest
from app.core.footprints import Catalogue
from app.core.lines import Line, NotCounted, Subtotal, subtotals
from app.core.messages import Message, Text, _
from app.core.purchases import Purchase, purchase_lines
from app.core.quantities import ZERO, kg_range, quadrature, to_kg

MAX_PERIOD_DAYS = 366
MAX_HOUSEHOLD_SIZE = 20
_GJ = Decimal("0.000001")  # a heated area's prorated heat, in GJ (1 kJ)

NOTICE = _(
    "This is a voluntary estimate you chose to make, not a personal carbon account: no identity, "
    "no points, no rankings of people, and nothing is stored unless you ask."
)

COMPOSITION = _(
    "Total = life-cycle part (electricity at the national life-cycle carbon footprint factor, "
    "certified product footprints) + combustion part (direct CO2 of fuel burnt at home and in "
    "the car, heat-plant CO2 of district heating, jet fuel) + operational part (rail, tap water "
    "supply). The parts have different boundaries and are reported as separate subtotals; "
    "combustion lines are CO2 only and exclude the fuels' supply chains. Grid-average CO2 "
    "electricity factors (national or regional) are shown only as a separately labelled view and "
    "never added to the total. Purchases without a valid certificate, or not in the catalogue, "
    "are not counted and are listed with the reason."
)

#: Provinces (ISO 3166-2:CN suffixes) -> the regional grid of MEE's regional CO2 factors.
GRID_REGIONS: dict[str, str] = {
    **dict.fromkeys(("BJ", "TJ", "HE", "SX", "SD", "NM"), "North"),
    **dict.fromkeys(("LN", "JL", "HL"), "Northeast"),
    **dict.fromkeys(("SH", "JS", "ZJ", "AH", "FJ"), "East"),
    **dict.fromkeys(("HA", "HB", "HN", "JX"), "Central"),
    **dict.fromkeys(("SN", "GS", "QH", "NX", "XJ"), "Northwest"),
    **dict.fromkeys(("GD", "GX", "YN", "GZ", "HI"), "South"),
    **dict.fromkeys(("SC", "CQ", "XZ"), "Southwest"),
}
#: Provinces accepted but outside the mainland regional grids (no regional view).
OTHER_PROVINCES = ("HK", "MO", "TW")
#: Names of the provinces (ISO 3166-2:CN suffixes), for people choosing one.
PROVINCES: dict[str, Text] = {
    "BJ": Text("北京", "Beijing"),
    "TJ": Text("天津", "Tianjin"),
    "HE": Text("河北", "Hebei"),
    "SX": Text("山西", "Shanxi"),
    "NM": Text("内蒙古", "Inner Mongolia"),
    "LN": Text("辽宁", "Liaoning"),
    "JL": Text("吉林", "Jilin"),
    "HL": Text("黑龙江", "Heilongjiang"),
    "SH": Text("上海", "Shanghai"),
    "JS": Text("江苏", "Jiangsu"),
    "ZJ": Text("浙江", "Zhejiang"),
    "AH": Text("安徽", "Anhui"),
    "FJ": Text("福建", "Fujian"),
    "JX": Text("江西", "Jiangxi"),
    "SD": Text("山东", "Shandong"),
    "HA": Text("河南", "Henan"),
    "HB": Text("湖北", "Hubei"),
    "HN": Text("湖南", "Hunan"),
    "GD": Text("广东", "Guangdong"),
    "GX": Text("广西", "Guangxi"),
    "HI": Text("海南", "Hainan"),
    "CQ": Text("重庆", "Chongqing"),
    "SC": Text("四川", "Sichuan"),
    "GZ": Text("贵州", "Guizhou"),
    "YN": Text("云南", "Yunnan"),
    "XZ": Text("西藏", "Tibet"),
    "SN": Text("陕西", "Shaanxi"),
    "GS": Text("甘肃", "Gansu"),
    "QH": Text("青海", "Qinghai"),
    "NX": Text("宁夏", "Ningxia"),
    "XJ": Text("新疆", "Xinjiang"),
    "HK": Text("香港", "Hong Kong"),
    "MO": Text("澳门", "Macao"),
    "TW": Text("台湾", "Taiwan"),
}


@dataclass(frozen=True)
class Inputs:
    start: dt.date
    end: dt.date  # inclusive
    household_size: int
    province: str | None = None
    activities: tuple[Activity, ...] = ()
    purchases: tuple[Purchase, ...] = ()


@dataclass(frozen=True)
class Estimate:
    start: dt.date
    end: dt.date
    days: int
    as_of: dt.date
    household_size: int
    province: str | None
    grid_region: str | None
    lines: tuple[Line, ...]
    not_counted: tuple[NotCounted, ...]
    subtotals: tuple[Subtotal, ...]
    total: Decimal
    low: Decimal
    high: Decimal
    certified_purchases: Decimal
    per_person: Decimal
    annualised: Decimal
    annualised_per_person: Decimal
    electricity_views: tuple[View, ...]
    comparisons: tuple[Comparison, ...]
    notice: Message = NOTICE
    composition: Message = COMPOSITION


# -- the estimate ------------------------------------------------------------------------
def period_of(
    start: dt.date | None, end: dt.date | None, month: str | None
) -> tuple[dt.date, dt.date]:
    """(start, end) from start/end dates or a 'YYYY-MM' month. Raises InvalidInput."""
    if month is not None:
        if start is not None or end is not None:
            raise InvalidInput(_("Give either a month or start and end, not both."), field="period")
        try:
            first = dt.date.fromisoformat(f"{month}-01")
        except ValueError:
            raise InvalidInput(
                _("'%(month)s' is not a month (YYYY-MM).", month=month), field="period.month"
            ) from None
        check_day(first, field="period.month")
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return first, following - dt.timedelta(days=1)
    if start is None or end is None:
        raise InvalidInput(_("Give a month, or both start and end dates."), field="period")
    check_day(start, field="period.start")
    check_day(end, field="period.end")
    if end < start:
        raise InvalidInput(_("The period ends before it starts."), field="period.end")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput(
            _(
                "The period is longer than %(max_period_days)s days.",
                max_period_days=MAX_PERIOD_DAYS,
            ),
            field="period.end",
        )
    return start, end


def normalize_province(province: str | None) -> str | None:
    """'GD', 'gd' or 'CN-GD' -> 'GD'. Raises InvalidInput for anything else."""
    if province is None or province == "":
        return None
    code = province.strip().upper().removeprefix("CN-")
    if code not in GRID_REGIONS and code not in OTHER_PROVINCES:
        raise InvalidInput(
            _(
                "'%(province)s' is not a province code (ISO 3166-2:CN, e.g. GD or CN-GD).",
                province=province,
            ),
            field="province",
        )
    return code


def estimate(
    inputs: Inputs,
    *,
    factors: FactorStore,
    catalogue: Catalogue,
    today: dt.date,
    public_base_url: str,
) -> Estimate:
    """Estimate a household's footprint for the period. Deterministic; raises InvalidInput
    naming the field for an impossible input (negative, absurdly large, unknown unit).

    Certificates are judged as of the end of the period, or today if the period ends later:
    a product bought while its certificate was valid keeps counting after the certificate
    expires by date, but suspension and revocation are current knowledge that the figure is
    not reliable, so they exclude the purchase whenever they happened.
    """
    start, end = period_of(inputs.start, inputs.end, None)
    if not 1 <= inputs.household_size <= MAX_HOUSEHOLD_SIZE:
        raise InvalidInput(
            _(
                "Household size must be between 1 and %(max_household_size)s.",
                max_household_size=MAX_HOUSEHOLD_SIZE,
            ),
            field="household_size",
        )
    province = normalize_province(inputs.province)
    region = GRID_REGIONS.get(province or "")
    as_of = min(end, today)
    days = (end - start).days + 1

    table = factors.factors(FactorQuery())
    season = heating_season(province)
    lines = [_activity_line(a, table, (start, end), season) for a in inputs.activities]
    bought, not_counted = purchase_lines(
        inputs.purchases, catalogue, as_of=as_of, today=today, public_base_url=public_base_url
    )
    lines += bought

    parts = subtotals(lines)
    total = sum((s.kg for s in parts), ZERO)
    low = sum((s.low for s in parts), ZERO)
    high = sum((s.high for s in parts), ZERO)
    size = Decimal(inputs.household_size)
    annualised = _annualised(lines, total, days)
    kwh = sum(
        (ln.activity for ln in lines if ln.factor and ln.factor.category == "electricity"), ZERO
    )
    return Estimate(
        start=start,
        end=end,
        days=days,
        as_of=as_of,
        household_size=inputs.household_size,
        province=province,
        grid_region=region,
        lines=tuple(lines),
        not_counted=tuple(not_counted),
        subtotals=parts,
        total=total,
        low=low,
        high=high,
        certified_purchases=sum((ln.kg for ln in bought), ZERO),
        per_person=to_kg(total / size),
        annualised=annualised,
        annualised_per_person=to_kg(annualised / size),
        electricity_views=grid_views(kwh, region, table),
        comparisons=compare(to_kg(annualised / size), kwh * Decimal(365) / Decimal(days), size),
    )


def _annualised(lines: Sequence[Line], total: Decimal, days: int) -> Decimal:
    """The total over a year: district heat flows only in the heating season, so a heating
    line counts one season a year (its kg over the share of a season it covers); everything
    else scales by days."""
    seasonal = [ln for ln in lines if ln.season_share]
    rest = total - sum((ln.kg for ln in seasonal), ZERO)
    return to_kg(
        rest * Decimal(365) / Decimal(days)
        + sum((ln.kg / ln.season_share for ln in seasonal if ln.season_share), ZERO)
    )


def _activity_line(
    activity: Activity,
    table: Sequence[Factor],
    period: tuple[dt.date, dt.date],
    assumed_season: HeatingSeason,
) -> Line:
    kind, quantity, given_amount, given_unit, assumption, note = measure(activity)
    quantity = quantity * activity.share
    season = season_share = None
    if kind.seasonal:
        season = activity.season or assumed_season
        season_share = season.share(*(activity.window or period))
        if assumption is HEAT_DEMAND:  # a season's heat per m2, spread over the season
            quantity = (quantity * season_share).quantize(_GJ)
            note = _(
                "%(note)s; %(share)s of a heating season falls in the period",
                note=note,
                share=season_share.quantize(Decimal("0.0001")),
            )
    factor = _factor_for(kind.category, table)
    if factor is None:
        raise InvalidInput(
            _("No emission factor is loaded for %(category)s.", category=kind.category),
            field=activity.field,
        )
    if factor.per_unit != kind.per_unit:  # a factor table edit the estimator does not understand
        raise InvalidInput(
            _(
                "Factor %(id)s is per %(per_unit)s, expected %(per_unit2)s.",
                id=factor.id,
                per_unit=factor.per_unit,
                per_unit2=kind.per_unit,
            ),
            field=activity.field,
        )
    kg = to_kg(quantity * factor.value)
    pct = factor.uncertainty_pct
    if assumption is not None:  # independent relative errors: combine in quadrature
        pct = quadrature(pct or ZERO, assumption.uncertainty_pct)
    low, high = kg_range(kg, pct)
    if activity.share != 1:
        note = (
            (note + "; ") if note else ""
        ) + f"share {activity.share} of the entry falls in the period"
    return Line(
        field=activity.field,
        kind=activity.kind,
        label=kind.label,
        given_amount=given_amount,
        given_unit=given_unit,
        activity=quantity,
        activity_unit=kind.per_unit,
        kg=kg,
        low=low,
        high=high,
        uncertainty_pct=pct,
        basis=factor.basis,
        boundary=factor.boundary,
        factor=factor,
        assumption=assumption,
        share=activity.share,
        note=note,
        season=season,
        season_share=season_share,
    )


def _factor_for(category: str, table: Sequence[Factor]) -> Factor | None:
    """The latest factor of a category, chosen by query rather than by id.

    Electricity: the national (CN) life-cycle footprint factor, the boundary of certified
    product footprints. Others: the latest of the category, preferring region CN.
    """
    rows = [f for f in table if f.category == category]
    if category == "electricity":
        return latest(f for f in rows if f.boundary == "life-cycle" and f.region == "CN")
    return latest(f for f in rows if f.region == "CN") or latest(rows)
