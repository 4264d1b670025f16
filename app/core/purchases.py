"""Purchases in an estimate: each scanned code counts as quantity x the certified footprint
per sales unit when its certificate is valid, or is listed as not counted with the reason.

Each purchase is judged on the day it was made (``Purchase.on``; undated ones at the end of
the estimate period, or today if that is later): a certificate that expired since still
counts, one that had expired or was not yet valid that day does not. Suspension and
revocation are current knowledge that the figure is unreliable, so they exclude a purchase
whenever they happened. A month's purchases are therefore judged exactly as the year's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.core.errors import InvalidInput
from app.core.footprints import (
    BatchItem,
    Catalogue,
    Certificate,
    Product,
    ProductFootprint,
    footprint_of,
    resolve_many,
)
from app.core.lines import Line, NotCounted
from app.core.messages import Message, _
from app.core.quantities import check, join_field, to_kg

MAX_PURCHASE_QUANTITY = Decimal(100000)


@dataclass(frozen=True)
class Purchase:
    code: str
    quantity: Decimal
    field: str
    on: dt.date | None = None  # the day bought, when known


def validate_purchase(purchase: Purchase) -> None:
    """Raises InvalidInput unless the quantity is more than zero and plausible."""
    q = purchase.quantity
    if isinstance(q, Decimal) and q.is_finite() and 0 < q <= MAX_PURCHASE_QUANTITY:
        return  # the common case, checked without building a field name
    field = join_field(purchase.field, "quantity")
    check(q, MAX_PURCHASE_QUANTITY, field)
    raise InvalidInput(_("A quantity must be more than zero."), field=field)


@dataclass(frozen=True)
class _Outcome:
    """What one distinct scanned text leads to: a certificate to count, or a reason not to."""

    certificate: Certificate | None = None
    product: Product | None = None
    reason: str | None = None
    message: str | None = None
    gtin: str | None = None


def _outcome(item: BatchItem, day: dt.date) -> _Outcome:
    """What a purchase of ``item`` made on ``day`` counts as."""
    if item.error is not None:
        error = item.error
        return _Outcome(reason=error.reason, message=error.message, gtin=error.details.get("gtin"))
    assert item.resolution is not None
    fp = _footprint_on(item.resolution.footprint, day)
    product, current = fp.product, fp.current
    if current is None or not current.certified:
        reason = current.status if current is not None else "no_certificate"
        return _Outcome(
            certificate=current.certificate if current is not None else None,
            product=product,
            reason=reason,
            message=_not_certified_message(reason, current.certificate if current else None, day),
            gtin=product.gtin,
        )
    certificate = current.certificate
    if certificate.pcf_per_sales_unit is None:
        return _Outcome(
            certificate=certificate,
            product=product,
            reason="no_sales_unit_figure",
            message=_(
                "Certificate %(number)s states no footprint per sales unit.",
                number=certificate.number,
            ),
            gtin=product.gtin,
        )
    return _Outcome(certificate=certificate, product=product, gtin=product.gtin)


def _footprint_on(fp: ProductFootprint, day: dt.date) -> ProductFootprint:
    """The product's footprint as it stood on ``day``, from every certificate it has."""
    if fp.as_of == day:
        return fp
    certificates = [v.certificate for v in (fp.current, *fp.earlier) if v is not None]
    return footprint_of(fp.product, certificates, day)


def purchase_lines(
    purchases: Sequence[Purchase],
    catalogue: Catalogue,
    *,
    as_of: dt.date,
    today: dt.date,
    public_base_url: str,
) -> tuple[list[Line], list[NotCounted]]:
    """Lines for the purchases whose certificate was valid on the day bought (undated ones:
    ``as_of``), and the rest not counted with the reason."""
    for p in purchases:
        validate_purchase(p)
    # A shopping list repeats the same barcodes: resolve each distinct text once (resolve_many
    # batches the catalogue queries) with every certificate known today, judge each distinct
    # (text, day) once, then each line is one multiplication.
    unique = list(dict.fromkeys(p.code for p in purchases))
    items = dict(
        zip(
            unique,
            resolve_many(
                catalogue, unique, today=today, public_base_url=public_base_url, benchmarks=False
            ),
            strict=True,
        )
    )
    outcomes: dict[tuple[str, dt.date], _Outcome] = {}
    lines: list[Line] = []
    skipped: list[NotCounted] = []
    for purchase in purchases:
        day = min(purchase.on, today) if purchase.on is not None else as_of
        key = (purchase.code, day)
        o = outcomes.get(key)
        if o is None:
            o = outcomes[key] = _outcome(items[purchase.code], day)
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


def _not_certified_message(reason: str, certificate: Certificate | None, day: dt.date) -> Message:
    """Why the certificate does not count, with the dates that decide it."""
    if certificate is None:
        return _("The product has no carbon footprint certificate.")
    number = certificate.number
    if reason == "expired":
        return _(
            "Certificate %(number)s was valid until %(valid_until)s, so it had expired on "
            "%(day)s; not counted.",
            number=number,
            valid_until=certificate.valid_until.isoformat(),
            day=day.isoformat(),
        )
    if reason == "not_yet_valid":
        return _(
            "Certificate %(number)s was issued on %(issued_on)s, so it was not yet valid on "
            "%(day)s; not counted.",
            number=number,
            issued_on=certificate.issued_on.isoformat(),
            day=day.isoformat(),
        )
    when = certificate.status_changed_on
    if reason == "suspended":
        if when is None:
            return _("Certificate %(number)s is suspended; not counted.", number=number)
        return _(
            "Certificate %(number)s was suspended on %(day)s; not counted.",
            number=number,
            day=when.isoformat(),
        )
    if when is None:
        return _("Certificate %(number)s is revoked; not counted.", number=number)
    return _(
        "Certificate %(number)s was revoked on %(day)s; not counted.",
        number=number,
        day=when.isoformat(),
    )
