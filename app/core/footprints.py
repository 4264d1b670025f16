"""Label lookup rules: which certificate is current, what its status is, and what may be
presented as a certified footprint. Storage is reached only through the Catalogue protocol."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Protocol

from app.core.benchmark import Benchmark, BenchmarkGroup, per_unit, position
from app.core.codes import ScannedCode, parse_scanned
from app.core.errors import DomainError, NotFound
from app.core.messages import Message, Text, _

STORED_STATUSES = ("valid", "suspended", "revoked")
#: Every effective status (the stored ones, "expired" derived from valid_until and
#: "not_yet_valid" from issued_on), as a person reads it.
STATUS_LABELS: dict[str, Message] = {
    "valid": _("Valid"),
    "expired": _("Expired"),
    "suspended": _("Suspended"),
    "revoked": _("Revoked"),
    "not_yet_valid": _("Not yet valid"),
}
SAMPLE_NOTICE = _(
    "Sample data: this product and its certificates are fictional, for demonstration only."
)
BOUNDARIES = ("cradle-to-gate", "cradle-to-grave")
#: PACT v3 declaredUnitOfMeasurement vocabulary.
DECLARED_UNITS = (
    "liter",
    "kilogram",
    "cubic meter",
    "kilowatt hour",
    "megajoule",
    "ton kilometer",
    "square meter",
    "item",
)


@dataclass(frozen=True)
class Quantity:
    amount: Decimal
    unit: str


@dataclass(frozen=True)
class CertificationBody:
    id: str
    name: Text
    sample: bool


@dataclass(frozen=True)
class Category:
    id: str
    name: Text
    pilot: bool


@dataclass(frozen=True)
class Product:
    gtin: str
    name: Text
    brand: str
    category: Category
    sales_unit: Quantity
    net_content: Quantity | None
    sample: bool


@dataclass(frozen=True)
class Certificate:
    number: str
    gtin: str
    body: CertificationBody
    standards: tuple[str, ...]
    pcf: Decimal  # kg CO2e per declared unit
    declared_unit: str
    declared_unit_amount: Decimal
    pcf_per_sales_unit: Decimal | None
    system_boundary: str
    stages: dict[str, Decimal] | None
    reference_period_start: dt.date
    reference_period_end: dt.date
    issued_on: dt.date
    valid_until: dt.date
    status: str  # stored status: valid | suspended | revoked
    status_reason: str | None
    status_changed_on: dt.date | None
    verified_by: str | None
    verified_on: dt.date | None
    characterization: str  # IPCC assessment report of the GWP100 set: AR5 | AR6
    factor_database: str
    factor_database_version: str
    sample: bool

    def effective_status(self, today: dt.date) -> str:
        """Stored status, with 'expired' and 'not_yet_valid' derived from the dates."""
        if self.status in ("suspended", "revoked"):
            return self.status
        if today > self.valid_until:
            return "expired"
        if today < self.issued_on:
            return "not_yet_valid"
        return "valid"


@dataclass(frozen=True)
class CertificateRevision:
    """An earlier version of a certificate, superseded by a later import or API write."""

    revision: int
    superseded_in_release: int | None
    superseded_at: str | None
    certificate: Certificate  # the certificate as that version stated it


@dataclass(frozen=True)
class StatusRecord:
    """A recorded suspension, revocation or reinstatement."""

    from_status: str | None
    to_status: str
    effective_on: dt.date
    reason: str | None
    release: int | None
    recorded_at: str


@dataclass(frozen=True)
class CertificateHistory:
    revision: int
    revisions: tuple[CertificateRevision, ...]  # earlier versions, newest first
    status_events: tuple[StatusRecord, ...]  # oldest first


@dataclass(frozen=True)
class CertificateView:
    """A certificate as of a given day: explicit status and whether it certifies anything now."""

    certificate: Certificate
    status: str
    certified: bool
    product: Product | None = None
    history: CertificateHistory | None = None

    @property
    def status_label(self) -> Message:
        return STATUS_LABELS[self.status]

    @property
    def notice(self) -> Message | None:
        """Why the footprint is not certified now; None when it is."""
        if self.certified:
            return None
        if self.status == "expired":
            return _(
                "The certificate expired on %(date)s: this footprint is not currently certified.",
                date=self.certificate.valid_until.isoformat(),
            )
        if self.status == "suspended":
            return _("The certificate is suspended: this footprint is not currently certified.")
        if self.status == "revoked":
            return _("The certificate was revoked: this footprint is not certified.")
        return _("The certificate is not yet valid.")


@dataclass(frozen=True)
class ProductFootprint:
    """A product, its current certificate (if any) and the earlier ones, newest first."""

    product: Product
    current: CertificateView | None
    earlier: tuple[CertificateView, ...]
    as_of: dt.date
    benchmark: Benchmark | None = None

    @property
    def certified(self) -> bool:
        return self.current is not None and self.current.certified


@dataclass(frozen=True)
class Resolution:
    """What one scanned text is, and the footprint it leads to."""

    input: str
    code: ScannedCode
    footprint: ProductFootprint
    #: For a scanned certificate number or label QR: that certificate, which may differ from
    #: the product's current one (an old label on a renewed product).
    scanned_certificate: CertificateView | None = None


@dataclass(frozen=True)
class BatchItem:
    """One result of a batch resolve: a resolution or the error for that text."""

    input: str
    resolution: Resolution | None = None
    error: DomainError | None = None


class Catalogue(Protocol):
    """What the lookup rules need from storage."""

    def products(self, gtins: Iterable[str]) -> dict[str, Product]:
        """Products by GTIN-14; missing GTINs are absent from the result."""

    def certificates_for(self, gtins: Iterable[str]) -> dict[str, list[Certificate]]:
        """Every certificate of each product, any order."""

    def certificate(self, number: str) -> Certificate | None:
        """One certificate by number, or None."""

    def certificate_history(self, number: str) -> CertificateHistory:
        """Earlier revisions and status events of a certificate (empty when it has none)."""

    def benchmark_group(
        self, category: str, declared_unit: str, system_boundary: str
    ) -> BenchmarkGroup | None:
        """The current release's benchmark for this group, or None when it has too few peers."""


def view(
    certificate: Certificate, today: dt.date, product: Product | None = None
) -> CertificateView:
    status = certificate.effective_status(today)
    return CertificateView(certificate, status, status == "valid", product)


def footprint_of(
    product: Product, certificates: Sequence[Certificate], today: dt.date
) -> ProductFootprint:
    """Current certificate = the newest currently valid one, else the newest issued one
    (newest: by issued_on, then number).

    A product whose only certificates are expired, suspended or revoked still shows the
    newest of them, with its status, and ``certified`` false. This is the one rule: the
    category benchmarks' peers (storage computes them for a whole release at once) are the
    products it certifies, and a test checks storage agrees.
    """
    ordered = sorted(certificates, key=lambda c: (c.issued_on, c.number), reverse=True)
    views = [view(c, today) for c in ordered if c.issued_on <= today] or [
        view(c, today) for c in ordered
    ]
    current = next((v for v in views if v.certified), views[0] if views else None)
    earlier = tuple(v for v in views if v is not current)
    return ProductFootprint(product=product, current=current, earlier=earlier, as_of=today)


def lookup_products(
    catalogue: Catalogue, gtins: Sequence[str], today: dt.date, *, benchmarks: bool = True
) -> dict[str, ProductFootprint]:
    """Footprints of many products, unknown GTINs absent, in two queries; with ``benchmarks``
    (every lookup and resolve) each certified one carries its category benchmark, read once
    per distinct group."""
    unique = list(dict.fromkeys(gtins))
    products = catalogue.products(unique)
    certificates = catalogue.certificates_for(list(products))
    found = {g: footprint_of(p, certificates.get(g, []), today) for g, p in products.items()}
    return _with_benchmarks(catalogue, found) if benchmarks else found


def lookup_product(catalogue: Catalogue, gtin: str, today: dt.date) -> ProductFootprint:
    """Raises NotFound if the catalogue has no product with this GTIN-14."""
    found = lookup_products(catalogue, [gtin], today)
    if gtin not in found:
        raise NotFound(_("No product with GTIN %(gtin)s in the catalogue.", gtin=gtin), gtin=gtin)
    return found[gtin]


def _with_benchmarks(
    catalogue: Catalogue, footprints: dict[str, ProductFootprint]
) -> dict[str, ProductFootprint]:
    """The one place a footprint gets its benchmark: where its certified figure stands in its
    category. None when it is not currently certified or its group has too few peers."""
    groups: dict[tuple[str, str, str], BenchmarkGroup | None] = {}
    result = {}
    for gtin, footprint in footprints.items():
        if footprint.certified and footprint.current is not None:
            c = footprint.current.certificate
            category = footprint.product.category
            key = (category.id, c.declared_unit, c.system_boundary)
            if key not in groups:
                groups[key] = catalogue.benchmark_group(*key)
            group = groups[key]
            if group is not None:
                benchmark = position(group, per_unit(c.pcf, c.declared_unit_amount), category.name)
                footprint = replace(footprint, benchmark=benchmark)
        result[gtin] = footprint
    return result


def lookup_certificate(catalogue: Catalogue, number: str, today: dt.date) -> CertificateView:
    """Raises NotFound if no certificate has this number."""
    certificate = catalogue.certificate(number.upper())
    if certificate is None:
        raise NotFound(
            _("No certificate numbered %(number)s in the catalogue.", number=number),
            certificate_number=number,
        )
    product = catalogue.products([certificate.gtin]).get(certificate.gtin)
    history = catalogue.certificate_history(certificate.number)
    return replace(view(certificate, today, product), history=history)


def resolve_many(
    catalogue: Catalogue,
    texts: Sequence[str],
    *,
    today: dt.date,
    public_base_url: str,
    benchmarks: bool = True,
) -> list[BatchItem]:
    """Resolve scanned texts in order, each to a footprint or its own error, in O(1) queries
    (plus one per distinct benchmark group, unless ``benchmarks`` is false)."""
    parsed: list[ScannedCode | DomainError] = []
    for text in texts:
        try:
            parsed.append(parse_scanned(text, public_base_url=public_base_url))
        except DomainError as error:
            parsed.append(error)

    numbers = {
        p.certificate_number for p in parsed if isinstance(p, ScannedCode) and p.certificate_number
    }
    by_number = {n: catalogue.certificate(n) for n in numbers}
    gtins = [p.gtin for p in parsed if isinstance(p, ScannedCode) and p.gtin]
    gtins += [c.gtin for c in by_number.values() if c is not None]
    footprints = lookup_products(catalogue, gtins, today, benchmarks=benchmarks)

    items = []
    for text, code in zip(texts, parsed, strict=True):
        if isinstance(code, DomainError):
            items.append(BatchItem(text, error=code))
            continue
        if code.kind == "certificate":
            certificate = by_number.get(code.certificate_number or "")
            if certificate is None:
                error = NotFound(
                    _(
                        "No certificate numbered %(certificate_number)s in the catalogue.",
                        certificate_number=code.certificate_number,
                    ),
                    certificate_number=code.certificate_number,
                )
                items.append(BatchItem(text, error=error))
                continue
            gtin = certificate.gtin
        else:
            gtin = code.gtin or ""
        footprint = footprints.get(gtin)
        if footprint is None:
            items.append(
                BatchItem(
                    text,
                    error=NotFound(
                        _("No product with GTIN %(gtin)s in the catalogue.", gtin=gtin), gtin=gtin
                    ),
                )
            )
            continue
        scanned = None
        if code.kind == "certificate":
            scanned = view(by_number[code.certificate_number or ""], today, footprint.product)  # type: ignore[arg-type]
        items.append(BatchItem(text, resolution=Resolution(text, code, footprint, scanned)))
    return items


def resolve(catalogue: Catalogue, text: str, *, today: dt.date, public_base_url: str) -> Resolution:
    """Resolve one scanned text. Raises NotACode, InvalidCode or NotFound."""
    (item,) = resolve_many(catalogue, [text], today=today, public_base_url=public_base_url)
    if item.error is not None:
        raise item.error
    assert item.resolution is not None
    return item.resolution


@dataclass(frozen=True)
class CatalogueStats:
    release: int
    release_created_at: str | None
    version: str | None
    products: int
    certificates: int
    factors: int
    sample: bool
    source: str | None = None
    content_hash: str | None = None
    #: What the release's import did: row_count, inserted, revised, status_changes, unchanged.
    release_rows: dict[str, int] = field(default_factory=dict)
