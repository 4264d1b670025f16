"""Activity kinds of the household estimator (energy, fuel, water, travel): the one list of
what a household can enter besides purchases, each with its factor category, units and limits.
Request schemas and saved-household entries derive their fields from ``KINDS``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from app.core.errors import InvalidInput
from app.core.messages import Message, Text, _
from app.core.quantities import (
    DISTANCE,
    ENERGY,
    HEAT,
    HUNDRED,
    LITRES,
    MASS,
    VOLUME_M3,
    WATER,
    amount_in,
    check,
    join_field,
)


@dataclass(frozen=True)
class Assumption:
    """A figure that is not an emission factor and not published: Tanji's own, labelled."""

    id: str
    value: Decimal
    unit: str
    uncertainty_pct: Decimal
    note: Message


HEAT_DEMAND = Assumption(
    id="tanji-heat-demand-assumption",
    value=Decimal("0.30"),
    unit="GJ/m2",
    uncertainty_pct=Decimal(50),
    note=_(
        "Tanji's round assumption, not a published figure: 0.30 GJ of heat per m2 of heated "
        "floor area per heating season (0.2-0.4 is typical of northern urban homes), spread "
        "over the days of the heating season. Enter GJ from the heat bill for a better estimate."
    ),
)


@dataclass(frozen=True)
class HeatingSeason:
    """The days district heat flows: a heated floor area's season of heat is spread over them.

    Assumed seasons recur every year (``start``/``end`` are MM-DD, the end in the next year
    when it comes earlier in the calendar); a season given by the household is one stretch of
    dates (YYYY-MM-DD)."""

    start: str
    end: str
    assumed: bool
    province: str | None
    note: Message

    def stretches(self, first: dt.date, last: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
        """The seasons (first and last day) that may overlap first..last."""
        if not self.assumed:
            yield dt.date.fromisoformat(self.start), dt.date.fromisoformat(self.end)
            return
        (sm, sd), (em, ed) = _month_day(self.start), _month_day(self.end)
        wraps = (em, ed) < (sm, sd)
        for year in range(first.year - 1, last.year + 1):
            yield dt.date(year, sm, sd), dt.date(year + wraps, em, ed)

    def share(self, first: dt.date, last: dt.date) -> Decimal:
        """How many seasons' worth of heat falls in first..last (inclusive): for each season,
        its days in the window over its length. A whole season is 1; January alone of a
        Nov 15 - Mar 15 season is 31/121; a window without heating days is 0."""
        total = Decimal(0)
        for start, end in self.stretches(first, last):
            overlap = (min(end, last) - max(start, first)).days + 1
            if overlap > 0:
                total += Decimal(overlap) / Decimal((end - start).days + 1)
        return total


def _month_day(text: str) -> tuple[int, int]:
    month, day = text.split("-")
    return int(month), int(day)


#: Assumed heating season by province (ISO 3166-2:CN): the heating period the provincial
#: capital's government commonly sets (Beijing's is fixed at 15 Nov - 15 Mar by 北京市住宅锅炉
#: 供暖管理规定, 1994; Harbin's starts on 20 Oct). Cities shift the dates with the weather each
#: year, so this is a labelled assumption, not a published factor.
HEATING_SEASONS: dict[str, tuple[str, str, Text]] = {
    "BJ": ("11-15", "03-15", Text("北京", "Beijing")),
    "TJ": ("11-15", "03-15", Text("天津", "Tianjin")),
    "HE": ("11-15", "03-15", Text("石家庄", "Shijiazhuang")),
    "SD": ("11-15", "03-15", Text("济南", "Jinan")),
    "HA": ("11-15", "03-15", Text("郑州", "Zhengzhou")),
    "SN": ("11-15", "03-15", Text("西安", "Xi'an")),
    "XZ": ("11-15", "03-15", Text("拉萨", "Lhasa")),
    "SX": ("11-01", "03-31", Text("太原", "Taiyuan")),
    "LN": ("11-01", "03-31", Text("沈阳", "Shenyang")),
    "GS": ("11-01", "03-31", Text("兰州", "Lanzhou")),
    "NX": ("11-01", "03-31", Text("银川", "Yinchuan")),
    "JL": ("10-25", "04-10", Text("长春", "Changchun")),
    "HL": ("10-20", "04-20", Text("哈尔滨", "Harbin")),
    "NM": ("10-15", "04-15", Text("呼和浩特", "Hohhot")),
    "QH": ("10-15", "04-15", Text("西宁", "Xining")),
    "XJ": ("10-15", "04-15", Text("乌鲁木齐", "Urumqi")),
}
#: Where no province is given, or the province sets no district-heating season.
DEFAULT_SEASON = ("11-15", "03-15")


def heating_season(province: str | None) -> HeatingSeason:
    """The season assumed for a province, said in words (see HEATING_SEASONS)."""
    if province in HEATING_SEASONS:
        start, end, city = HEATING_SEASONS[province]
        note = _(
            "Assumed season %(start)s to %(end)s: the heating period commonly set in "
            "%(city)s (%(province)s); local dates vary by city and year. Give the season "
            "from your heat bill for a better estimate.",
            start=start,
            end=end,
            city=city,
            province=province,
        )
    elif province:
        start, end = DEFAULT_SEASON
        note = _(
            "Assumed season %(start)s to %(end)s (the common northern heating period, as in "
            "Beijing): %(province)s sets no district-heating season. Give the season from "
            "your heat bill for a better estimate.",
            start=start,
            end=end,
            province=province,
        )
    else:
        start, end = DEFAULT_SEASON
        note = _(
            "Assumed season %(start)s to %(end)s (the common northern heating period, as in "
            "Beijing): no province was given. Give the season from your heat bill for a "
            "better estimate.",
            start=start,
            end=end,
        )
    return HeatingSeason(start, end, assumed=True, province=province, note=note)


def given_season(start: dt.date, end: dt.date, field: str) -> HeatingSeason:
    """The household's own season. Raises InvalidInput for an impossible one."""
    if end < start:
        raise InvalidInput(_("The heating season ends before it starts."), field=field)
    if (end - start).days + 1 > 366:
        raise InvalidInput(_("A heating season lasts at most 366 days."), field=field)
    note = _("Season %(start)s to %(end)s, as given.", start=start.isoformat(), end=end.isoformat())
    return HeatingSeason(
        start.isoformat(), end.isoformat(), assumed=False, province=None, note=note
    )


@dataclass(frozen=True)
class Kind:
    """One activity kind: what it is called, which factor it takes and what it accepts."""

    category: str  # of the emission factor it is multiplied by
    per_unit: str
    units: dict[str, Decimal]
    maximum: Decimal  # most plausible per period of up to a year, in per_unit
    label: Message
    description: str  # what to enter, for the API documentation
    car: bool = False  # a car's fuel: litres, or a distance and consumption
    seasonal: bool = False  # a heated floor area (m2) spread over a heating season


#: The one list of activity kinds, in the order an estimate lists its lines. The estimate
#: request, saved-household entries and their documentation are derived from it.
KINDS: dict[str, Kind] = {
    "electricity": Kind(
        "electricity",
        "kWh",
        ENERGY,
        Decimal(200000),
        _("Household electricity"),
        "kWh, 度 or MWh",
    ),
    "ev_charging": Kind(
        "electricity",
        "kWh",
        ENERGY,
        Decimal(100000),
        _("EV charging"),
        "kWh charged at home or public chargers",
    ),
    "natural_gas": Kind(
        "natural-gas", "m3", VOLUME_M3, Decimal(50000), _("Natural gas"), "m3 or L"
    ),
    "lpg": Kind("lpg", "kg", MASS, Decimal(20000), _("LPG"), "kg, g or t"),
    "coal": Kind("coal", "kg", MASS, Decimal(100000), _("Coal"), "kg, g or t"),
    "district_heating": Kind(
        "district-heating",
        "GJ",
        HEAT,
        Decimal(2000),
        _("District heating"),
        "GJ, MJ, kWh, MWh, Gcal; or m2 of heated floor area, prorated by the part of the "
        "heating season the period covers",
        seasonal=True,
    ),
    "tap_water": Kind("tap-water", "m3", WATER, Decimal(10000), _("Tap water"), "m3, t (吨) or L"),
    "petrol": Kind(
        "petrol", "L", LITRES, Decimal(50000), _("Petrol (car)"), "Petrol: litres", car=True
    ),
    "diesel": Kind(
        "diesel", "L", LITRES, Decimal(50000), _("Diesel (car)"), "Diesel: litres", car=True
    ),
    "rail": Kind(
        "rail",
        "pkm",
        DISTANCE,
        Decimal(2000000),
        _("Rail travel"),
        "Passenger-km travelled by the household (km)",
    ),
    "air": Kind(
        "air",
        "pkm",
        DISTANCE,
        Decimal(5000000),
        _("Air travel"),
        "Passenger-km flown by the household (km)",
    ),
}
#: The fuels a car may run on (the request's ``car`` list; entries of these kinds).
CAR_FUELS = tuple(name for name, kind in KINDS.items() if kind.car)
MAX_HEATED_AREA = Decimal(2000)  # m2
MAX_DISTANCE = Decimal(1000000)  # km driven in a period
MAX_CONSUMPTION = Decimal(50)  # L/100km


@dataclass(frozen=True)
class Activity:
    """Energy, fuel, water or travel used in the period.

    ``field`` names where it came from (for errors and line ids). For a car, ``kind`` is
    petrol or diesel and either amount/unit (litres) or distance + consumption is given.
    ``share`` is the fraction of a stored bill that falls inside the estimate period.
    A heated floor area (district heating in m2) is a season's heat spread over the heating
    season: ``window`` is the days the area applies to within the period (default: the whole
    period) and ``season`` the household's own season (default: assumed by province).
    """

    kind: str
    field: str
    amount: Decimal | None = None
    unit: str | None = None
    distance: Decimal | None = None
    distance_unit: str | None = None
    consumption: Decimal | None = None  # litres per 100 km
    share: Decimal = Decimal(1)
    window: tuple[dt.date, dt.date] | None = None
    season: HeatingSeason | None = None


def validate_activity(activity: Activity) -> None:
    """Raises InvalidInput (naming the field) unless the estimator can use this activity."""
    measure(activity)


def measure(
    activity: Activity,
) -> tuple[Kind, Decimal, Decimal | None, str | None, Assumption | None, str | None]:
    """(kind, quantity in the kind's per-unit, given amount, given unit, assumption, note)."""
    kind = KINDS.get(activity.kind)
    if kind is None:
        raise InvalidInput(
            _("Unknown input kind '%(kind)s'.", kind=activity.kind), field=activity.field
        )
    assumption = None
    note = None
    if activity.distance is not None and not kind.car:
        raise InvalidInput(
            _("Only a car (petrol or diesel) takes a distance."), field=activity.field
        )
    if activity.distance is not None and activity.amount is not None:
        raise InvalidInput(
            _("Give litres or a distance, not both."), field=join_field(activity.field, "amount")
        )
    if activity.distance is not None:
        amount = amount_in(
            activity.distance,
            activity.distance_unit,
            DISTANCE,
            MAX_DISTANCE,
            join_field(activity.field, "distance"),
        )
        if activity.consumption is None:
            raise InvalidInput(
                _("A distance needs the car's consumption (L/100km)."),
                field=join_field(activity.field, "consumption"),
            )
        consumption = check(
            activity.consumption, MAX_CONSUMPTION, join_field(activity.field, "consumption")
        )
        quantity = amount * consumption / HUNDRED
        given_amount, given_unit = activity.distance, activity.distance_unit or "km"
        note = f"{amount} km x {consumption} L/100km"
    elif activity.amount is None:
        raise InvalidInput(_("An amount is required."), field=join_field(activity.field, "amount"))
    elif kind.seasonal and activity.unit == "m2":
        area = check(activity.amount, MAX_HEATED_AREA, join_field(activity.field, "amount"))
        assumption = HEAT_DEMAND
        quantity = area * HEAT_DEMAND.value
        given_amount, given_unit = activity.amount, "m2"
        note = f"{area} m2 x {HEAT_DEMAND.value} GJ/m2 per season (assumption {HEAT_DEMAND.id})"
    else:
        quantity = amount_in(
            activity.amount, activity.unit, kind.units, kind.maximum, activity.field
        )
        given_amount, given_unit = activity.amount, activity.unit
    return kind, quantity, given_amount, given_unit, assumption, note
