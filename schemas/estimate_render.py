"""The estimate rendered fast: what EstimateSchema dumps, without marshmallow's overhead.

EstimateSchema (schemas/estimator.py) is the documented contract. Dumping 1,000 purchase lines
through marshmallow costs ~35 ms, so the route renders with these plain functions instead;
tests/routes/test_estimator.py checks that they produce exactly what EstimateSchema would.
"""

from __future__ import annotations

from typing import Any

from app.core.factor_notes import note_text
from app.core.messages import Text
from app.i18n import translate
from schemas.common import dump
from schemas.estimator import EstimateSchema, LineSchema, season_of, str_or_none


def render_estimate(e: Any, lang: str) -> dict[str, Any]:
    """The estimate as EstimateSchema dumps it, in ``lang``, without marshmallow's overhead."""

    def text(t: Any) -> Any:
        return None if t is None else translate(t, lang)

    factors: dict[str, dict[str, Any]] = {}

    def factor(f: Any) -> dict[str, Any] | None:
        if f is None:
            return None
        if f.id not in factors:
            factors[f.id] = {
                "id": f.id,
                "name": text(Text(f.name_zh, f.name_en)),
                "value": str(f.value),
                "unit": f.unit,
                "basis": f.basis,
                "boundary": f.boundary,
                "region": f.region,
                "year": f.year,
                "publisher": f.publisher,
                "source_title": f.source_title,
                "source_url": f.source_url,
                "uncertainty_pct": str_or_none(f.uncertainty_pct),
                "note": text(note_text(f.note)),
            }
        return dict(factors[f.id])

    certificates: dict[str, dict[str, Any]] = {}
    products: dict[str, dict[str, Any]] = {}
    line_schema = LineSchema()

    def line(ln: Any) -> dict[str, Any]:
        certificate = None
        if ln.certificate is not None:
            number = ln.certificate.number
            if number not in certificates:
                certificates[number] = line_schema.get_certificate(ln)
            certificate = dict(
                certificates[number], standards=list(certificates[number]["standards"])
            )
        product = None
        if ln.product is not None:
            if ln.product.gtin not in products:
                products[ln.product.gtin] = {
                    "gtin": ln.product.gtin,
                    "name": text(ln.product.name),
                    "sample": ln.product.sample,
                }
            product = dict(products[ln.product.gtin])
        a = ln.assumption
        return {
            "field": ln.field,
            "kind": ln.kind,
            "label": text(ln.label),
            "given": {"amount": str_or_none(ln.given_amount), "unit": ln.given_unit},
            "activity": {"amount": str_or_none(ln.activity), "unit": ln.activity_unit},
            "kg": str(ln.kg),
            "uncertainty": {
                "pct": str_or_none(ln.uncertainty_pct),
                "low_kg": str(ln.low),
                "high_kg": str(ln.high),
            },
            "basis": ln.basis,
            "boundary": ln.boundary,
            "note": text(ln.note),
            "factor": factor(ln.factor),
            "assumption": None
            if a is None
            else {
                "id": a.id,
                "value": str(a.value),
                "unit": a.unit,
                "uncertainty_pct": str(a.uncertainty_pct),
                "note": text(a.note),
            },
            "heating_season": season_of(ln, lang),
            "certificate": certificate,
            "product": product,
        }

    def not_counted(n: Any) -> dict[str, Any]:
        return {
            "field": n.field,
            "code": n.code,
            "quantity": str(n.quantity),
            "reason": n.reason,
            "message": text(n.message),
            "gtin": n.gtin,
            "certificate_number": n.certificate_number,
            "product": None if n.product is None else text(n.product.name),
        }

    with_lang = dump(_REST, e, lang=lang)  # the few top-level fields, through the schema
    return {
        **{k: with_lang[k] for k in _BEFORE_LINES},
        "lines": [line(ln) for ln in e.lines],
        "not_counted": [not_counted(n) for n in e.not_counted],
        **{k: with_lang[k] for k in _AFTER_LINES},
    }


class _RestSchema(EstimateSchema):
    class Meta:
        exclude = ("lines", "not_counted")


_REST = _RestSchema()
_FIELDS = list(EstimateSchema().fields)
_BEFORE_LINES = _FIELDS[: _FIELDS.index("lines")]
_AFTER_LINES = [f for f in _FIELDS[_FIELDS.index("lines") :] if f not in ("lines", "not_counted")]
