"""The household estimator on its own: tiny in-memory stores, hand-computed expected values."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal as D

import pytest

from app.core.activities import Activity, given_season
from app.core.errors import InvalidInput
from app.core.estimator import Inputs, estimate, period_of
from app.core.factors import Factor, FactorQuery
from app.core.footprints import Category, Certificate, CertificationBody, Product, Quantity, Text
from app.core.purchases import Purchase

TODAY = dt.date(2026, 6, 15)
MAY = (dt.date(2026, 5, 1), dt.date(2026, 5, 31))


def factor(
    id,
    category,
    value,
    unit,
    *,
    basis="CO2",
    boundary="combustion",
    region="CN",
    year=2020,
    pct="5",
):
    return Factor(
        id=id,
        category=category,
        name_zh=id,
        name_en=id,
        value=D(value),
        unit=unit,
        basis=basis,
        boundary=boundary,
        region=region,
        year=year,
        publisher="p",
        source_title="t",
        source_url="u",
        published_on=None,
        database=None,
        version=None,
        uncertainty_pct=D(pct) if pct else None,
        note=None,
    )


FACTORS = [
    factor(
        "el-2023",
        "electricity",
        "0.6205",
        "kg CO2e/kWh",
        basis="CO2e",
        boundary="life-cycle",
        year=2023,
    ),
    factor(
        "el-2024",
        "electricity",
        "0.5777",
        "kg CO2e/kWh",
        basis="CO2e",
        boundary="life-cycle",
        year=2024,
    ),
    # Newer, but the wrong boundary or region: never chosen as the electricity factor.
    factor("grid-2025", "electricity", "0.5000", "kg CO2/kWh", boundary="grid-average", year=2025),
    factor(
        "grid-2025-south",
        "electricity",
        "0.4000",
        "kg CO2/kWh",
        boundary="grid-average",
        region="CN-South",
        year=2025,
    ),
    factor(
        "lc-2025-north",
        "electricity",
        "0.9000",
        "kg CO2e/kWh",
        basis="CO2e",
        boundary="life-cycle",
        region="CN-North",
        year=2025,
    ),
    factor("gas", "natural-gas", "2.162", "kg CO2/m3"),
    factor("lpg", "lpg", "3.101", "kg CO2/kg"),
    factor("petrol", "petrol", "2.272", "kg CO2/L"),
    factor("heat", "district-heating", "110", "kg CO2/GJ", pct="30"),
    factor(
        "rail",
        "rail",
        "0.035",
        "kg CO2e/pkm",
        basis="CO2e",
        boundary="operational",
        region="GB",
        pct="50",
    ),
]


class Factors:
    def __init__(self, rows=FACTORS):
        self.rows = rows
        self.queries = 0

    def factors(self, query: FactorQuery):
        self.queries += 1
        return list(self.rows)

    def factor(self, factor_id):
        return next((f for f in self.rows if f.id == factor_id), None)


BODY = CertificationBody("TJSCC", Text("示例", "Sample"), True)
CAT = Category("food", Text("食品", "Food"), False)


def product(gtin):
    return Product(
        gtin,
        Text("商品" + gtin[-3:], "Item " + gtin[-3:]),
        "b",
        CAT,
        Quantity(D(1), "item"),
        None,
        True,
    )


def certificate(
    number, gtin, *, per_unit="2.50", issued="2025-01-01", until="2027-12-31", status="valid"
):
    return Certificate(
        number=number,
        gtin=gtin,
        body=BODY,
        standards=("GB/T 24067-2024",),
        pcf=D("1"),
        declared_unit="item",
        declared_unit_amount=D(1),
        pcf_per_sales_unit=D(per_unit) if per_unit else None,
        system_boundary="cradle-to-grave",
        stages=None,
        reference_period_start=dt.date(2024, 1, 1),
        reference_period_end=dt.date(2024, 12, 31),
        issued_on=dt.date.fromisoformat(issued),
        valid_until=dt.date.fromisoformat(until),
        status=status,
        status_reason=None,
        status_changed_on=None,
        verified_by=None,
        verified_on=None,
        characterization="AR6",
        factor_database="CLCD",
        factor_database_version="1.0",
        sample=True,
    )


VALID, EXPIRED, LAPSES_LATER, REVOKED, UNCERTIFIED = (
    "00200000000011",
    "00200000000028",
    "00200000000035",
    "00200000000042",
    "00200000000059",
)
CERTS = {
    VALID: [certificate("TJS-PCF-2025-0001", VALID)],
    EXPIRED: [certificate("TJS-PCF-2022-0001", EXPIRED, until="2026-04-30")],
    # Valid at the end of May, expired by TODAY: bought while certified, so it counts.
    LAPSES_LATER: [
        certificate("TJS-PCF-2023-0001", LAPSES_LATER, per_unit="0.0547", until="2026-06-01")
    ],
    REVOKED: [certificate("TJS-PCF-2025-0002", REVOKED, status="revoked")],
}


class Catalogue:
    def __init__(self):
        self.calls = 0

    def products(self, gtins):
        self.calls += 1
        return {g: product(g) for g in gtins if g in CERTS or g == UNCERTIFIED}

    def certificates_for(self, gtins):
        self.calls += 1
        return {g: CERTS[g] for g in gtins if g in CERTS}

    def certificate(self, number):
        self.calls += 1
        return next((c for cs in CERTS.values() for c in cs if c.number == number), None)


def run(*activities, purchases=(), size=2, province=None, period=MAY, factors=None, today=TODAY):
    inputs = Inputs(period[0], period[1], size, province, tuple(activities), tuple(purchases))
    return estimate(
        inputs,
        factors=factors or Factors(),
        catalogue=Catalogue(),
        today=today,
        public_base_url="https://tanji.example",
    )


def test_electricity_uses_latest_national_life_cycle_factor():
    est = run(Activity("electricity", "electricity", D("250"), "kWh"))
    (line,) = est.lines
    assert line.factor.id == "el-2024"
    assert line.kg == D("144.425")  # 250 x 0.5777
    assert (line.low, line.high) == (D("137.204"), D("151.646"))  # +/-5 %, half-up to grams
    assert (line.basis, line.boundary) == ("CO2e", "life-cycle")
    assert est.total == D("144.425")
    assert est.per_person == D("72.213")  # 72.2125 half-up
    assert est.days == 31
    assert est.annualised == D("1700.488")  # 144.425 x 365 / 31 = 1700.4879...
    assert est.annualised_per_person == D("850.244")


def test_units_are_converted():
    assert run(Activity("electricity", "e", D("0.25"), "MWh")).total == D("144.425")
    assert run(Activity("electricity", "e", D("250"), "度")).total == D("144.425")
    assert run(Activity("natural_gas", "g", D("20000"), "L")).total == D("43.240")  # 20 m3 x 2.162
    assert run(Activity("lpg", "l", D("0.015"), "t")).total == D("46.515")  # 15 kg x 3.101


def test_boundaries_have_subtotals_and_grid_views_stay_out_of_the_total():
    est = run(
        Activity("electricity", "electricity", D("100"), "kWh"),  # 57.770 life-cycle
        Activity("natural_gas", "natural_gas", D("20"), "m3"),  # 43.240 combustion
        Activity(
            "petrol", "car[0]", distance=D("500"), distance_unit="km", consumption=D("7.5")
        ),  # 37.5 L -> 85.200
        Activity("rail", "rail", D("1000"), "km"),  # 35.000 operational
        province="CN-GD",
    )
    subtotals = {s.boundary: (s.kg, s.basis) for s in est.subtotals}
    assert subtotals == {
        "life-cycle": (D("57.770"), "CO2e"),
        "combustion": (D("128.440"), "CO2"),
        "operational": (D("35.000"), "CO2e"),
    }
    assert est.total == D("221.210")
    assert est.grid_region == "South"
    views = {v.factor.id: v.kg for v in est.electricity_views}
    assert views == {"grid-2025": D("50.000"), "grid-2025-south": D("40.000")}
    assert est.total == sum(s.kg for s in est.subtotals)  # views are not in it


WINTER = (dt.date(2025, 11, 15), dt.date(2026, 3, 15))  # Beijing's heating season, 121 days


def test_heated_area_uses_the_labelled_assumption_and_widens_uncertainty():
    (line,) = run(Activity("district_heating", "heat", D("90"), "m2"), period=WINTER).lines
    assert line.season_share == 1  # the whole (assumed) season
    assert line.activity == D("27.00")  # 90 m2 x 0.30 GJ/m2
    assert line.kg == D("2970.000")
    assert line.assumption.id == "tanji-heat-demand-assumption"
    assert line.uncertainty_pct == D("58.3")  # sqrt(30^2 + 50^2)
    assert line.high == D("4701.510")  # 2970 x 1.583


def test_heated_area_is_prorated_by_the_part_of_the_season_the_period_covers():
    heat = Activity("district_heating", "heat", D("90"), "m2")
    january = (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    est = run(heat, period=january, province="BJ")
    (line,) = est.lines
    assert line.season_share == D(31) / D(121)  # Beijing: 15 Nov - 15 Mar, 121 days
    assert line.activity == D("6.917355")  # 27 GJ x 31/121
    assert line.kg == D("760.909")  # not the whole season's 2,970
    assert (line.season.start, line.season.end, line.season.assumed) == ("11-15", "03-15", True)
    assert "Beijing" in str(line.season.note)
    assert est.annualised == D("2970.000")  # one season a year, not 2970 x 365/31
    # Summer has no heating days; a whole calendar year covers exactly one season.
    assert run(heat, period=MAY, province="BJ").total == 0
    year = run(heat, period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)), province="BJ")
    assert year.lines[0].season_share == 1 and year.total == D("2970.000")


def test_heating_season_depends_on_the_province_or_is_given():
    heat = Activity("district_heating", "heat", D("90"), "m2")
    april = (dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert run(heat, period=april, province="BJ").total == 0
    (line,) = run(heat, period=april, province="HL").lines  # Harbin: 20 Oct - 20 Apr
    assert line.season_share == D(20) / D(183)
    assert line.season.province == "HL" and "Harbin" in str(line.season.note)
    given = given_season(dt.date(2026, 4, 1), dt.date(2026, 4, 30), "district_heating.season")
    own = Activity("district_heating", "heat", D("90"), "m2", season=given)
    (line,) = run(own, period=april, province="BJ").lines
    assert line.season_share == 1 and line.kg == D("2970.000") and not line.season.assumed
    with pytest.raises(InvalidInput) as raised:
        given_season(dt.date(2026, 4, 1), dt.date(2026, 3, 1), "district_heating.season")
    assert raised.value.details["field"] == "district_heating.season"


def test_monthly_estimates_add_up_to_the_season():
    heat = Activity("district_heating", "heat", D("90"), "m2")
    months = ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    total = sum(run(heat, period=period_of(None, None, m), province="BJ").total for m in months)
    assert abs(total - D("2970")) <= D("0.005")  # grams of rounding at most


def test_purchases_count_only_currently_valid_certificates():
    est = run(
        Activity("electricity", "electricity", D("100"), "kWh"),
        purchases=[
            Purchase(VALID, D("3"), "purchases[0]"),
            Purchase(EXPIRED, D("1"), "purchases[1]"),
            Purchase(LAPSES_LATER, D("10"), "purchases[2]"),
            Purchase(REVOKED, D("1"), "purchases[3]"),
            Purchase(UNCERTIFIED, D("1"), "purchases[4]"),
            Purchase("00200000000066", D("1"), "purchases[5]"),
            Purchase("hello", D("1"), "purchases[6]"),
        ],
    )
    counted = {ln.field: ln.kg for ln in est.lines if ln.kind == "purchase"}
    assert counted == {"purchases[0]": D("7.500"), "purchases[2]": D("0.547")}
    line = next(ln for ln in est.lines if ln.field == "purchases[0]")
    assert line.certificate.number == "TJS-PCF-2025-0001" and line.boundary == "life-cycle"
    reasons = {n.field: n.reason for n in est.not_counted}
    assert reasons == {
        "purchases[1]": "expired",
        "purchases[3]": "revoked",
        "purchases[4]": "no_certificate",
        "purchases[5]": "not_found",
        "purchases[6]": "not_a_code",
    }
    assert est.certified_purchases == D("8.047")
    assert est.total == D("65.817")  # 57.770 + 8.047


def test_certificate_status_is_judged_at_period_end_not_later():
    purchase = [Purchase(LAPSES_LATER, D("1"), "p")]
    june = (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    # The June period ends after the certificate lapsed on 2026-06-01 (and TODAY is 06-15).
    assert run(purchases=purchase, period=june).not_counted[0].reason == "expired"
    assert run(purchases=purchase).lines[0].kg == D("0.055")  # 0.0547 half-up to grams


REVOKED_ON = dt.date(2026, 12, 3)


def dated_catalogue():
    """The test catalogue with TJS-PCF-2025-0002 revoked on a known day."""
    catalogue = Catalogue()
    revoked = replace(CERTS[REVOKED][0], status_changed_on=REVOKED_ON)
    catalogue.certificates_for = lambda gtins: {
        g: ([revoked] if g == REVOKED else CERTS[g]) for g in gtins if g in CERTS
    }
    return catalogue


def test_each_purchase_is_judged_on_its_own_day_so_months_add_up_to_the_year():
    today = dt.date(2026, 12, 4)
    bought = [
        Purchase(EXPIRED, D("1"), "a", on=dt.date(2026, 4, 10)),  # valid until 2026-04-30
        Purchase(EXPIRED, D("1"), "b", on=dt.date(2026, 5, 2)),  # bought after it expired
        Purchase(LAPSES_LATER, D("10"), "c", on=dt.date(2026, 5, 20)),  # valid until 06-01
        Purchase(VALID, D("2"), "d", on=dt.date(2026, 9, 1)),
        Purchase(REVOKED, D("1"), "e", on=dt.date(2026, 3, 1)),  # revoked later: never counts
    ]

    def run_on(start, end):
        inside = tuple(p for p in bought if start <= p.on <= end)
        inputs = Inputs(start, end, 2, None, (), inside)
        return estimate(
            inputs, factors=Factors(), catalogue=dated_catalogue(), today=today,
            public_base_url="https://x",
        )  # fmt: skip

    year = run_on(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert {ln.field: ln.kg for ln in year.lines} == {
        "a": D("2.500"),
        "c": D("0.547"),
        "d": D("5.000"),
    }
    months = [run_on(*period_of(None, None, f"2026-{m:02}")) for m in range(1, 13)]
    assert sum(m.certified_purchases for m in months) == year.certified_purchases == D("8.047")
    reasons = {n.field: (n.reason, str(n.message)) for n in year.not_counted}
    assert reasons["b"] == (
        "expired",
        "Certificate TJS-PCF-2022-0001 was valid until 2026-04-30, so it had expired on "
        "2026-05-02; not counted.",
    )
    # Revoked yesterday: said with the real date, not "as of" the end of the period.
    assert reasons["e"] == (
        "revoked",
        "Certificate TJS-PCF-2025-0002 was revoked on 2026-12-03; not counted.",
    )


def test_a_thousand_purchases_take_a_constant_number_of_queries():
    catalogue = Catalogue()
    inputs = Inputs(*MAY, 3, None, (), tuple(Purchase(VALID, D(1), f"p[{i}]") for i in range(1000)))
    factors = Factors()
    est = estimate(
        inputs, factors=factors, catalogue=catalogue, today=TODAY, public_base_url="https://x"
    )
    assert est.certified_purchases == D("2500.000")
    assert catalogue.calls == 2 and factors.queries == 1


def test_comparisons_carry_sources():
    est = run(Activity("electricity", "electricity", D("250"), "kWh"))
    by_id = {c.reference.id: c for c in est.comparisons}
    assert by_id["cn-co2-per-person-2023"].reference.value == D(8900)
    assert by_id["cn-household-size-2020"].yours == D(2)
    assert by_id["cn-residential-electricity-per-household-2023"].yours == D(
        "2943.548"
    )  # 250x365/31
    assert all(c.reference.source_url.startswith("https://") for c in est.comparisons)


@pytest.mark.parametrize(
    ("activity", "field"),
    [
        (Activity("electricity", "electricity", D("-1"), "kWh"), "electricity.amount"),
        (Activity("electricity", "electricity", D("5"), "furlong"), "electricity.unit"),
        (Activity("electricity", "electricity", D("1e9"), "kWh"), "electricity.amount"),
        (Activity("electricity", "electricity", D("NaN"), "kWh"), "electricity.amount"),
        (Activity("petrol", "car[1]", distance=D("100"), distance_unit="km"), "car[1].consumption"),
        (
            Activity(
                "petrol", "car[1]", distance=D("100"), distance_unit="km", consumption=D("900")
            ),
            "car[1].consumption",
        ),
        (Activity("district_heating", "heat", D("1e6"), "m2"), "heat.amount"),
    ],
)
def test_impossible_inputs_name_the_field(activity, field):
    with pytest.raises(InvalidInput) as raised:
        run(activity)
    assert raised.value.details["field"] == field


def test_impossible_household_province_and_quantity():
    with pytest.raises(InvalidInput) as raised:
        run(size=0)
    assert raised.value.details["field"] == "household_size"
    with pytest.raises(InvalidInput) as raised:
        run(province="XX")
    assert raised.value.details["field"] == "province"
    with pytest.raises(InvalidInput) as raised:
        run(purchases=[Purchase(VALID, D("-2"), "purchases[0]")])
    assert raised.value.details["field"] == "purchases[0].quantity"


def test_periods():
    assert period_of(None, None, "2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert period_of(None, None, "2026-12") == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    for args, field in [
        ((None, None, "2026-13"), "period.month"),
        ((dt.date(2026, 5, 2), dt.date(2026, 5, 1), None), "period.end"),
        ((dt.date(2025, 1, 1), dt.date(2026, 5, 1), None), "period.end"),
        ((dt.date(2025, 1, 1), None, None), "period"),
    ]:
        with pytest.raises(InvalidInput) as raised:
            period_of(*args)
        assert raised.value.details["field"] == field


def test_every_province_the_estimator_accepts_has_a_name():
    from app.core.estimator import GRID_REGIONS, OTHER_PROVINCES, PROVINCES

    assert set(PROVINCES) == set(GRID_REGIONS) | set(OTHER_PROVINCES)
    assert all(name.zh and name.en for name in PROVINCES.values())
