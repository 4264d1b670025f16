"""Purchases in an estimate: each scanned code counts as quantity x the certified footprint
per sales unit when its certificate is valid, or is listed as not counted with the reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.core.errors import InvalidInput
from app.core.footprints import BatchItem, Catalogue, Certificate, Product, resolve_many
from app.core.lines import Line, NotCounted
from app.core.quantities import check, join_field, to_kg

MAX_PURCHASE_QUANTITY = Decimal(100000)


@dataclass(frozen=True)
class Purchase:
    code: str
    quantity: Decimal
    field: str


def validate_purchase(purchase: Purchase) -> None:
    """Raises InvalidInput unless the quantity is more than zero and plausible."""
    q = purchase.quantity
    if isinstance(q, Decimal) and q.is_finite() and 0 < q <= MAX_PURCHASE_QUANTITY:
        return  # the common case, checked without building a field name
    field = join_field(purchase.field, "quantity")
    check(q, MAX_PURCHASE_QUANTITY, field)
    raise InvalidInput("A quantity must be more than zero.", field=field)


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


def purchase_lines(
    purchases: Sequence[Purchase], catalogue: Catalogue, as_of: dt.date, public_base_url: str
) -> tuple[list[Line], list[NotCounted]]:
    for p in purchases:
        validate_purchase(p)
    # A shopping list repeats the same barcodes: resolve and judge each distinct text once
    # (resolve_many batches the catalogue queries), then each line is one multiplication.
    unique = list(dict.fromkeys(p.code for p in purchases))
    items = resolve_many(
        catalogue, unique, today=as_of, public_base_url=public_base_url, benchmarks=False
    )
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
        kg = to_kg(purchase.quantity * certificate.pcf_per_sales_unit)
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
