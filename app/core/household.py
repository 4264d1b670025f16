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
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from app.core.errors import InvalidInput
from app.core.factors import Factor, FactorQuery, FactorStore, latest
from app.core.footprints import BatchItem, Catalogue, Certificate, Product, Text, resolve_many

KG = Decimal("0.001")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
MAX_PERIOD_DAYS = 366
MAX_HOUSEHOLD_SIZE = 20
MAX_PURCHASE_QUANTITY = Decimal(100000)

#: Version and text of the consent a saved household agrees to.
CONSENT_VERSION = "2026-06-01"
CONSENT_TEXT = Text(
    zh=(
        "保存家庭估算是自愿的。碳迹只保存估算所需的数据：家庭人数、省份（可选）以及您添加的"
        "购物和账单条目。我们不保存姓名、电话、地址、表号或户号、设备标识、IP地址或比省更细的位置。"
        "访问凭证只显示一次，我们只保存其哈希值。您可以随时导出全部数据或删除家庭，删除即彻底删除。"
        "超过保留期未使用的家庭会被自动删除。这是一项估算，不是个人碳账户，没有积分，也不对个人排名。"
    ),
    en=(
        "Saving a household is voluntary. Tanji stores only what the estimate needs: household "
        "size, province (optional) and the purchase and bill entries you add. We store no name, "
        "phone, address, meter or account number, device id, IP address or location finer than "
        "province. Your access token is shown once and we keep only its hash. You can export "
        "everything or delete the household at any time; deletion is permanent. Households unused "
        "for longer than the retention period are deleted automatically. This is an estimate, not "
        "a personal carbon account: no points and no rankings of people."
    ),
)

NOTICE = Text(
    zh="这是您自愿进行的碳排放估算，不是个人碳账户：不识别身份、没有积分、不对个人排名；除非您要求，否则不保存任何数据。",
    en=(
        "This is a voluntary estimate you chose to make, not a personal carbon account: no "
        "identity, no points, no rankings of people, and nothing is stored unless you ask."
    ),
)

COMPOSITION = Text(
    zh=(
        "总量 = 全生命周期部分（全国电力碳足迹因子计算的用电、有效认证产品的碳足迹）"
        "+ 燃烧部分（在家和车内燃烧燃料的直接二氧化碳、集中供热的热源二氧化碳、航空燃油）"
        "+ 运营部分（铁路客运、自来水供应）。各部分边界不同，分别列出小计；"
        "燃烧部分仅含二氧化碳，不含燃料上游排放。"
        "电网平均二氧化碳因子（全国或区域）只作为单独标注的参考视图，从不计入总量。"
        "未认证、证书失效或未收录的商品不计入总量，并列出原因。"
    ),
    en=(
        "Total = life-cycle part (electricity at the national life-cycle carbon footprint factor, "
        "certified product footprints) + combustion part (direct CO2 of fuel burnt at "
        "home and in the car, heat-plant CO2 of district heating, jet fuel) + operational part "
        "(rail, tap water supply). The parts have different boundaries and are reported as "
        "separate subtotals; "
        "combustion lines are CO2 only and exclude the fuels' supply chains. Grid-average CO2 "
        "electricity factors (national or regional) are shown only as a separately labelled view "
        "and never added to the total. Purchases without a valid certificate, or not in the "
        "catalogue, are not counted and are listed with the reason."
    ),
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


@dataclass(frozen=True)
class Assumption:
    """A figure that is not an emission factor and not published: Tanji's own, labelled."""

    id: str
    value: Decimal
    unit: str
    uncertainty_pct: Decimal
    note: str


HEAT_DEMAND = Assumption(
    id="tanji-heat-demand-assumption",
    value=Decimal("0.30"),
    unit="GJ/m2",
    uncertainty_pct=Decimal(50),
    note=(
        "Tanji's round assumption, not a published figure: 0.30 GJ of heat per m2 of heated "
        "floor area per heating season (0.2-0.4 is typical of northern urban homes). Enter GJ "
        "from the heat bill for a better estimate."
    ),
)


# -- units -------------------------------------------------------------------------------
#: Activity kind -> (factor category, factor's per-unit, accepted units -> multiplier to it).
_ENERGY = {"kWh": Decimal(1), "度": Decimal(1), "MWh": Decimal(1000)}
_MASS = {"kg": Decimal(1), "g": Decimal("0.001"), "t": Decimal(1000)}
_VOLUME_M3 = {"m3": Decimal(1), "L": Decimal("0.001")}
_WATER = {"m3": Decimal(1), "t": Decimal(1), "吨": Decimal(1), "L": Decimal("0.001")}
_HEAT = {
    "GJ": Decimal(1),
    "MJ": Decimal("0.001"),
    "kWh": Decimal("0.0036"),
    "MWh": Decimal("3.6"),
    "Gcal": Decimal("4.1868"),
}
_LITRES = {"L": Decimal(1), "m3": Decimal(1000)}
_DISTANCE = {"km": Decimal(1), "m": Decimal("0.001")}


@dataclass(frozen=True)
class Kind:
    category: str
    per_unit: str
    units: dict[str, Decimal]
    maximum: Decimal  # most plausible per period of up to a year, in per_unit
    label: Text


KINDS: dict[str, Kind] = {
    "electricity": Kind(
        "electricity", "kWh", _ENERGY, Decimal(200000), Text("家庭用电", "Household electricity")
    ),
    "ev_charging": Kind(
        "electricity", "kWh", _ENERGY, Decimal(100000), Text("电动汽车充电", "EV charging")
    ),
    "natural_gas": Kind(
        "natural-gas", "m3", _VOLUME_M3, Decimal(50000), Text("天然气", "Natural gas")
    ),
    "lpg": Kind("lpg", "kg", _MASS, Decimal(20000), Text("液化石油气", "LPG")),
    "coal": Kind("coal", "kg", _MASS, Decimal(100000), Text("燃煤", "Coal")),
    "district_heating": Kind(
        "district-heating", "GJ", _HEAT, Decimal(2000), Text("集中供热", "District heating")
    ),
    "tap_water": Kind("tap-water", "m3", _WATER, Decimal(10000), Text("自来水", "Tap water")),
    "petrol": Kind("petrol", "L", _LITRES, Decimal(50000), Text("汽油（私家车）", "Petrol (car)")),
    "diesel": Kind("diesel", "L", _LITRES, Decimal(50000), Text("柴油（私家车）", "Diesel (car)")),
    "rail": Kind("rail", "pkm", _DISTANCE, Decimal(2000000), Text("铁路出行", "Rail travel")),
    "air": Kind("air", "pkm", _DISTANCE, Decimal(5000000), Text("航空出行", "Air travel")),
}
MAX_HEATED_AREA = Decimal(2000)  # m2
MAX_DISTANCE = Decimal(1000000)  # km driven in a period
MAX_CONSUMPTION = Decimal(50)  # L/100km


# -- inputs ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Activity:
    """Energy, fuel, water or travel used in the period.

    ``field`` names where it came from (for errors and line ids). For a car, ``kind`` is
    petrol or diesel and either amount/unit (litres) or distance + consumption is given.
    ``share`` is the fraction of a stored bill that falls inside the estimate period.
    """

    kind: str
    field: str
    amount: Decimal | None = None
    unit: str | None = None
    distance: Decimal | None = None
    distance_unit: str | None = None
    consumption: Decimal | None = None  # litres per 100 km
    share: Decimal = Decimal(1)


@dataclass(frozen=True)
class Purchase:
    code: str
    quantity: Decimal
    field: str


@dataclass(frozen=True)
class Inputs:
    start: dt.date
    end: dt.date  # inclusive
    household_size: int
    province: str | None = None
    activities: tuple[Activity, ...] = ()
    purchases: tuple[Purchase, ...] = ()


# -- results -----------------------------------------------------------------------------
# Lines and not-counted items are built once per purchase line (1,000s per estimate); plain
# slotted dataclasses construct ~4x faster than frozen ones. Nothing mutates them.
@dataclass(slots=True)
class Line:
    """One counted input: activity x factor (or quantity x certified footprint)."""

    field: str
    kind: str
    label: Text
    given_amount: Decimal | None
    given_unit: str | None
    activity: Decimal  # in the factor's per-unit
    activity_unit: str
    kg: Decimal
    low: Decimal
    high: Decimal
    uncertainty_pct: Decimal | None
    basis: str
    boundary: str
    factor: Factor | None = None
    certificate: Certificate | None = None
    product: Product | None = None
    assumption: Assumption | None = None
    share: Decimal = Decimal(1)
    note: str | None = None


@dataclass(slots=True)
class NotCounted:
    """A purchase left out of the total, and why."""

    field: str
    code: str
    quantity: Decimal
    #: not_a_code | invalid_code | not_found (the code); no_certificate | expired | suspended |
    #: revoked | not_yet_valid (the certificate); no_sales_unit_figure
    reason: str
    message: str
    gtin: str | None = None
    certificate_number: str | None = None
    product: Product | None = None


@dataclass(frozen=True)
class Subtotal:
    boundary: str
    basis: str  # CO2, CO2e or "mixed"
    kg: Decimal
    low: Decimal
    high: Decimal
    lines: int


@dataclass(frozen=True)
class View:
    """Electricity at a grid-average CO2 factor: shown for comparison, never in the total."""

    label: Text
    kwh: Decimal
    kg: Decimal
    factor: Factor


@dataclass(frozen=True)
class Reference:
    id: str
    label: Text
    value: Decimal
    unit: str
    year: int
    publisher: str
    source_title: str
    source_url: str
    note: str


@dataclass(frozen=True)
class Comparison:
    reference: Reference
    yours: Decimal | None
    ratio: Decimal | None
    note: Text


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
    notice: Text = NOTICE
    composition: Text = COMPOSITION
    extra: dict[str, str] = field(default_factory=dict)


#: National references for comparison, each with its source.
REFERENCES = (
    Reference(
        id="cn-co2-per-person-2023",
        label=Text(
            "全国人均能源相关二氧化碳排放（2023年）", "China energy-related CO2 per person (2023)"
        ),
        value=Decimal(8900),
        unit="kg CO2/person/year",
        year=2023,
        publisher="IEA; NBS (population)",
        source_title=(
            "IEA, CO2 Emissions in 2023 (March 2024): China about 12.6 Gt; "
            "NBS 2023 statistical communique: population 1,409.67 million"
        ),
        source_url="https://www.iea.org/reports/co2-emissions-in-2023",
        note=(
            "Derived: 12.6 Gt / 1.40967 bn = 8.9 t. Covers every sector of the economy "
            "(industry, exports, public services), not only what households buy and use."
        ),
    ),
    Reference(
        id="cn-household-size-2020",
        label=Text(
            "全国平均家庭户规模（2020年人口普查）", "Average household size, China (2020 census)"
        ),
        value=Decimal("2.62"),
        unit="persons/household",
        year=2020,
        publisher="NBS (国家统计局)",
        source_title="第七次全国人口普查公报（第二号）: 平均每个家庭户的人口为2.62人",
        source_url="https://www.stats.gov.cn/",
        note="Census figure.",
    ),
    Reference(
        id="cn-residential-electricity-per-household-2023",
        label=Text("户均居民生活用电量（2023年）", "Residential electricity per household (2023)"),
        value=Decimal(2514),
        unit="kWh/household/year",
        year=2023,
        publisher="NEA (国家能源局); NBS",
        source_title=(
            "国家能源局 2023年全社会用电量: 城乡居民生活用电量13524亿千瓦时; "
            "NBS population 1,409.67 million; census household size 2.62"
        ),
        source_url="https://www.nea.gov.cn/",
        note=(
            "Derived: 1,352.4 bn kWh / (1,409.67 million / 2.62 persons per household) "
            "= 2,514 kWh (about 2,500)."
        ),
    ),
)


# -- the estimate ------------------------------------------------------------------------
def period_of(
    start: dt.date | None, end: dt.date | None, month: str | None
) -> tuple[dt.date, dt.date]:
    """(start, end) from start/end dates or a 'YYYY-MM' month. Raises InvalidInput."""
    if month is not None:
        if start is not None or end is not None:
            raise InvalidInput("Give either a month or start and end, not both.", field="period")
        try:
            first = dt.date.fromisoformat(f"{month}-01")
        except ValueError:
            raise InvalidInput(
                f"'{month}' is not a month (YYYY-MM).", field="period.month"
            ) from None
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return first, following - dt.timedelta(days=1)
    if start is None or end is None:
        raise InvalidInput("Give a month, or both start and end dates.", field="period")
    if end < start:
        raise InvalidInput("The period ends before it starts.", field="period.end")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput(f"The period is longer than {MAX_PERIOD_DAYS} days.", field="period.end")
    return start, end


def normalize_province(province: str | None) -> str | None:
    """'GD', 'gd' or 'CN-GD' -> 'GD'. Raises InvalidInput for anything else."""
    if province is None or province == "":
        return None
    code = province.strip().upper().removeprefix("CN-")
    if code not in GRID_REGIONS and code not in OTHER_PROVINCES:
        raise InvalidInput(
            f"'{province}' is not a province code (ISO 3166-2:CN, e.g. GD or CN-GD).",
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
            f"Household size must be between 1 and {MAX_HOUSEHOLD_SIZE}.", field="household_size"
        )
    province = normalize_province(inputs.province)
    region = GRID_REGIONS.get(province or "")
    as_of = min(end, today)
    days = (end - start).days + 1

    table = factors.factors(FactorQuery())
    lines = [_activity_line(a, table) for a in inputs.activities]
    purchase_lines, not_counted = _purchases(inputs.purchases, catalogue, as_of, public_base_url)
    lines += purchase_lines

    subtotals = _subtotals(lines)
    total = sum((s.kg for s in subtotals), ZERO)
    low = sum((s.low for s in subtotals), ZERO)
    high = sum((s.high for s in subtotals), ZERO)
    size = Decimal(inputs.household_size)
    annualised = _kg(total * Decimal(365) / Decimal(days))
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
        subtotals=subtotals,
        total=total,
        low=low,
        high=high,
        certified_purchases=sum((ln.kg for ln in purchase_lines), ZERO),
        per_person=_kg(total / size),
        annualised=annualised,
        annualised_per_person=_kg(annualised / size),
        electricity_views=_views(kwh, region, table),
        comparisons=_comparisons(_kg(annualised / size), kwh * Decimal(365) / Decimal(days), size),
    )


def validate_activity(activity: Activity) -> None:
    """Raises InvalidInput (naming the field) unless the estimator can use this activity."""
    _quantity(activity)


def validate_purchase(purchase: Purchase) -> None:
    """Raises InvalidInput unless the quantity is more than zero and plausible."""
    q = purchase.quantity
    if isinstance(q, Decimal) and q.is_finite() and 0 < q <= MAX_PURCHASE_QUANTITY:
        return  # the common case, checked without building a field name
    field = _join(purchase.field, "quantity")
    _check(q, MAX_PURCHASE_QUANTITY, field)
    raise InvalidInput("A quantity must be more than zero.", field=field)


def _quantity(
    activity: Activity,
) -> tuple[Kind, Decimal, Decimal | None, str | None, Assumption | None, str | None]:
    """(kind, quantity in the kind's per-unit, given amount, given unit, assumption, note)."""
    kind = KINDS.get(activity.kind)
    if kind is None:
        raise InvalidInput(f"Unknown input kind '{activity.kind}'.", field=activity.field)
    assumption = None
    note = None
    if activity.distance is not None and activity.kind not in ("petrol", "diesel"):
        raise InvalidInput("Only a car (petrol or diesel) takes a distance.", field=activity.field)
    if activity.distance is not None and activity.amount is not None:
        raise InvalidInput(
            "Give litres or a distance, not both.", field=_join(activity.field, "amount")
        )
    if activity.distance is not None:
        amount = _amount_in(
            activity.distance,
            activity.distance_unit,
            _DISTANCE,
            MAX_DISTANCE,
            _join(activity.field, "distance"),
        )
        if activity.consumption is None:
            raise InvalidInput(
                "A distance needs the car's consumption (L/100km).",
                field=_join(activity.field, "consumption"),
            )
        consumption = _check(
            activity.consumption, MAX_CONSUMPTION, _join(activity.field, "consumption")
        )
        quantity = amount * consumption / HUNDRED
        given_amount, given_unit = activity.distance, activity.distance_unit or "km"
        note = f"{amount} km x {consumption} L/100km"
    elif activity.amount is None:
        raise InvalidInput("An amount is required.", field=_join(activity.field, "amount"))
    elif activity.kind == "district_heating" and activity.unit == "m2":
        area = _check(activity.amount, MAX_HEATED_AREA, _join(activity.field, "amount"))
        assumption = HEAT_DEMAND
        quantity = area * HEAT_DEMAND.value
        given_amount, given_unit = activity.amount, "m2"
        note = f"{area} m2 x {HEAT_DEMAND.value} GJ/m2 per season (assumption {HEAT_DEMAND.id})"
    else:
        quantity = _amount_in(
            activity.amount, activity.unit, kind.units, kind.maximum, activity.field
        )
        given_amount, given_unit = activity.amount, activity.unit
    return kind, quantity, given_amount, given_unit, assumption, note


def _activity_line(activity: Activity, table: Sequence[Factor]) -> Line:
    kind, quantity, given_amount, given_unit, assumption, note = _quantity(activity)
    quantity = quantity * activity.share
    factor = _factor_for(kind.category, table)
    if factor is None:
        raise InvalidInput(
            f"No emission factor is loaded for {kind.category}.", field=activity.field
        )
    if factor.per_unit != kind.per_unit:  # a factor table edit the estimator does not understand
        raise InvalidInput(
            f"Factor {factor.id} is per {factor.per_unit}, expected {kind.per_unit}.",
            field=activity.field,
        )
    kg = _kg(quantity * factor.value)
    pct = factor.uncertainty_pct
    if assumption is not None:  # independent relative errors: combine in quadrature
        pct = _quadrature(pct or ZERO, assumption.uncertainty_pct)
    low, high = _range(kg, pct)
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


@dataclass(frozen=True)
class _Outcome:
    """What one distinct scanned text leads to: a certificate to count, or a reason not to."""

    certificate: Certificate | None = None
    product: Product | None = None
    reason: str | None = None
    message: str | None = None
    gtin: str | None = None


def _outcome(item: BatchItem, as_of: dt.date) -> _Outcome:
    if item.error is not None:
        error = item.error
        return _Outcome(reason=error.reason, message=error.message, gtin=error.details.get("gtin"))
    assert item.resolution is not None
    fp = item.resolution.footprint
    product, current = fp.product, fp.current
    if current is None or not current.certified:
        reason = current.status if current is not None else "no_certificate"
        number = current.certificate.number if current is not None else None
        return _Outcome(
            certificate=current.certificate if current is not None else None,
            product=product,
            reason=reason,
            message=_not_certified_message(reason, number, as_of),
            gtin=product.gtin,
        )
    certificate = current.certificate
    if certificate.pcf_per_sales_unit is None:
        return _Outcome(
            certificate=certificate,
            product=product,
            reason="no_sales_unit_figure",
            message=f"Certificate {certificate.number} states no footprint per sales unit.",
            gtin=product.gtin,
        )
    return _Outcome(certificate=certificate, product=product, gtin=product.gtin)


def _purchases(
    purchases: Sequence[Purchase], catalogue: Catalogue, as_of: dt.date, public_base_url: str
) -> tuple[list[Line], list[NotCounted]]:
    for p in purchases:
        validate_purchase(p)
    # A shopping list repeats the same barcodes: resolve and judge each distinct text once
    # (resolve_many batches the catalogue queries), then each line is one multiplication.
    unique = list(dict.fromkeys(p.code for p in purchases))
    items = resolve_many(catalogue, unique, today=as_of, public_base_url=public_base_url)
    outcomes = {text: _outcome(item, as_of) for text, item in zip(unique, items, strict=True)}
    lines: list[Line] = []
    skipped: list[NotCounted] = []
    for purchase in purchases:
        o = outcomes[purchase.code]
        if o.reason is not None:
            number = o.certificate.number if o.certificate is not None else None
            skipped.append(
                NotCounted(
                    purchase.field,
                    purchase.code,
                    purchase.quantity,
                    o.reason,
                    o.message or "",
                    gtin=o.gtin,
                    certificate_number=number,
                    product=o.product,
                )
            )
            continue
        certificate, product = o.certificate, o.product
        assert certificate is not None and product is not None
        assert certificate.pcf_per_sales_unit is not None
        kg = _kg(purchase.quantity * certificate.pcf_per_sales_unit)
        # The line's provenance is its certificate: quantity x pcf_per_sales_unit.
        lines.append(
            Line(
                purchase.field,
                "purchase",
                product.name,
                purchase.quantity,
                product.sales_unit.unit,
                purchase.quantity,
                product.sales_unit.unit,
                kg,
                kg,
                kg,
                None,  # certificates state no uncertainty; we invent none
                "CO2e",
                "life-cycle",
                None,
                certificate,
                product,
            )
        )
    return lines, skipped


def _not_certified_message(reason: str, number: str | None, as_of: dt.date) -> str:
    if reason == "no_certificate":
        return "The product has no carbon footprint certificate."
    status = reason.replace("_", " ")
    return f"Certificate {number} is {status} as of {as_of.isoformat()}; not counted."


def _subtotals(lines: Sequence[Line]) -> tuple[Subtotal, ...]:
    result = []
    for boundary in ("life-cycle", "combustion", "operational"):
        chosen = [ln for ln in lines if ln.boundary == boundary]
        if not chosen:
            continue
        bases = {ln.basis for ln in chosen}
        result.append(
            Subtotal(
                boundary=boundary,
                basis=bases.pop() if len(bases) == 1 else "mixed",
                kg=sum((ln.kg for ln in chosen), ZERO),
                low=sum((ln.low for ln in chosen), ZERO),
                high=sum((ln.high for ln in chosen), ZERO),
                lines=len(chosen),
            )
        )
    return tuple(result)


def _views(kwh: Decimal, region: str | None, table: Sequence[Factor]) -> tuple[View, ...]:
    """Electricity at grid-average CO2 factors, national and (with a province) regional."""
    if kwh == 0:
        return ()
    grid = [f for f in table if f.category == "electricity" and f.boundary == "grid-average"]
    views = []
    national = latest(f for f in grid if f.region == "CN")
    if national is not None:
        views.append(
            View(
                Text(
                    "全国电网平均二氧化碳排放因子（仅供参考，不计入总量）",
                    "National grid-average CO2 factor (for reference, not in the total)",
                ),
                kwh,
                _kg(kwh * national.value),
                national,
            )
        )
    regional = latest(f for f in grid if region and f.region == f"CN-{region}")
    if regional is not None:
        views.append(
            View(
                Text(
                    f"区域电网平均二氧化碳排放因子（{region}，仅供参考，不计入总量）",
                    f"Regional grid-average CO2 factor ({region}, for reference, not in the total)",
                ),
                kwh,
                _kg(kwh * regional.value),
                regional,
            )
        )
    return tuple(views)


def _comparisons(
    per_person_year: Decimal, kwh_year: Decimal, size: Decimal
) -> tuple[Comparison, ...]:
    co2, household, electricity = REFERENCES
    return (
        Comparison(
            co2,
            per_person_year,
            _ratio(per_person_year, co2.value),
            Text(
                "全国人均数涵盖整个经济（工业、出口、公共服务），"
                "本估算只含您录入的部分，二者边界不同。",
                "The national figure covers the whole economy (industry, exports, public "
                "services); "
                "this estimate covers only what you entered, so the boundaries differ.",
            ),
        ),
        Comparison(
            household,
            size,
            _ratio(size, household.value),
            Text(
                "您的家庭人数与全国平均家庭户规模。",
                "Your household size against the national average.",
            ),
        ),
        Comparison(
            electricity,
            _kg(kwh_year),
            _ratio(kwh_year, electricity.value),
            Text(
                "按估算期年化的用电量（含电动汽车充电）与户均居民生活用电量。",
                "Your electricity (including EV charging), annualised, against the "
                "residential average per household.",
            ),
        ),
    )


# -- arithmetic --------------------------------------------------------------------------
def _amount_in(
    amount: Decimal, unit: str | None, units: dict[str, Decimal], maximum: Decimal, field: str
) -> Decimal:
    if unit not in units:
        raise InvalidInput(
            f"Unknown unit '{unit}'; use one of {', '.join(units)}.",
            field=_join(field, "unit"),
            allowed=list(units),
        )
    value = _check(amount, None, _join(field, "amount")) * units[unit]
    if value > maximum:
        raise InvalidInput(
            f"{amount} {unit} is implausibly large for one household.", field=_join(field, "amount")
        )
    return value


def _check(value: Decimal, maximum: Decimal | None, field: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput("Not a finite number.", field=field)
    if value < 0:
        raise InvalidInput("Must not be negative.", field=field)
    if maximum is not None and value > maximum:
        raise InvalidInput(f"{value} is implausibly large for one household.", field=field)
    return value


def _join(base: str, name: str) -> str:
    return f"{base}.{name}" if base else name


def _kg(value: Decimal) -> Decimal:
    return value.quantize(KG, rounding=ROUND_HALF_UP)


def _range(kg: Decimal, pct: Decimal | None) -> tuple[Decimal, Decimal]:
    if pct is None:
        return kg, kg
    spread = kg * pct / HUNDRED
    return _kg(max(kg - spread, ZERO)), _kg(kg + spread)


def _quadrature(a: Decimal, b: Decimal) -> Decimal:
    return ((a * a + b * b).sqrt()).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _ratio(value: Decimal, reference: Decimal) -> Decimal:
    return (value / reference).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
