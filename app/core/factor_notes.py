"""Notes of the seeded emission factors (fixtures/factors.json), marked for translation.

A factor's ``note`` is data (a factor table may carry any text), but the notes Tanji ships are
known: they are listed here so ``make translations`` collects them and responses give them in
the negotiated language. ``note_text`` makes any note translatable: a note no catalogue holds
(an operator's own table) is sent as it was loaded. tests/test_translations.py checks that every
seeded note is listed.
"""

from __future__ import annotations

from app.core.messages import Message, _

SEEDED_NOTES: tuple[Message, ...] = (
    _(
        "0.11 t CO2/GJ is a provisional default for purchased heat in the enterprise accounting guidelines; real district heating ranges from coal boilers (higher) to CHP and heat pumps (lower), hence +/-30%. CO2 from the fuel burnt to make the heat, at the plant; not a life-cycle figure."
    ),
    _(
        "Derived, not a published factor: 0.285 kg jet fuel per tonne-km x 3.16 kg CO2 per kg fuel (ICAO) x 0.1 t per passenger with baggage (ICAO calculator convention) = 0.090 kg CO2/pkm. CO2 only: excludes non-CO2 effects of aviation (contrails, NOx), which may add as much again."
    ),
    _(
        "Derived, not a published per-m3 figure: NCV 389.31 GJ/10^4 Nm3 x carbon content 15.3 tC/TJ x oxidation 99% x 44/12 = 2.162 kg CO2/Nm3. Direct CO2 of gas burnt at home only; excludes upstream extraction, transport and methane leakage."
    ),
    _(
        "Derived: IPCC default NCV of gas/diesel oil 43.0 TJ/Gg x CO2 factor 74,100 kg/TJ = 3.186 kg CO2/kg, x an assumed density of 0.84 kg/L = 2.676 kg CO2/L. Tailpipe CO2 only."
    ),
    _(
        "Derived: IPCC default NCV of motor gasoline 44.3 TJ/Gg x CO2 factor 69,300 kg/TJ = 3.070 kg CO2/kg, x an assumed density of 0.74 kg/L (inside the GB 17930 range) = 2.272 kg CO2/L. Tailpipe CO2 only; excludes refining and fuel supply."
    ),
    _(
        "Derived: IPCC default NCV of other bituminous coal 25.8 TJ/Gg x default CO2 factor 94,600 kg/TJ (oxidation 100%) = 2.441 kg CO2/kg. Household coal varies widely (lignite or washed coal can be lower by 20-30%), hence +/-25%. IPCC default applied to China (region CN)."
    ),
    _(
        "Derived: NCV 50.179 GJ/t x carbon content 17.2 tC/TJ x oxidation 98% x 44/12 = 3.101 kg CO2/kg. Direct combustion CO2 only."
    ),
    _(
        "Grid-average CO2 only (generation combustion), for CO2 accounting of electricity use; not a life-cycle footprint. Never add to life-cycle figures."
    ),
    _("Grid-average CO2 only; not a life-cycle footprint. Never add to life-cycle figures."),
    _(
        "Life-cycle (cradle-to-grave of the supplied kWh) factor: the same boundary as product carbon footprints under GB/T 24067-2024 / ISO 14067."
    ),
    _("Life-cycle factor, same boundary as product carbon footprints."),
    _(
        "Low confidence: a UK figure used as a proxy because no official Chinese tap-water factor was found; rounded to 2 decimals. Chinese supply differs (grid mix, pumping, leakage). Treat as order of magnitude only."
    ),
    _(
        "Regional grid-average CO2 only; a separately labelled view, never added to life-cycle figures."
    ),
    _(
        "UK national rail per passenger-km, rounded to 0.035, used as a proxy: China's electrified high-speed rail runs on a different grid and at different loads. Operational emissions (traction energy), no infrastructure."
    ),
)


def note_text(note: str | Message | None) -> Message | None:
    """A factor's note as a Message: translated when a catalogue holds it, else as loaded."""
    if note is None or isinstance(note, Message):
        return note
    return Message(note)
