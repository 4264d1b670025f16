"""PACT v3 footprints: each certificate revision as a ProductFootprint, the eight list filters,
and pagination. Plain Python; storage is reached through the RevisionSource protocol."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from app.core.codes import normalize_gtin
from app.core.errors import DomainError, InvalidInput, NotFound, Unauthorized
from app.core.footprints import Certificate, Product

#: The published PACT v3 OpenAPI (info.version) our footprints are checked against.
SPEC_VERSION = "3.0.4"
#: Fixed namespace of footprint ids: id = uuid5(namespace, "<certificate number>/<revision>"),
#: so a revision keeps its id across restarts, databases and hosts.
PF_NAMESPACE = uuid.UUID("6f7c2b1e-8a3d-5c4f-9e21-3b7d0a9c4e55")
#: Certificates are issued to labels sold in China and computed with Chinese background data.
GEOGRAPHY_COUNTRY = "CN"
#: Tanji's dates are calendar days in China Standard Time; PACT wants instants (UTC, with Z).
CHINA_TZ = dt.timezone(dt.timedelta(hours=8))
COMPANY_URN = "urn:tanji:certification-body:"
CLASSIFICATION_URN = "urn:tanji:category:"
GTIN_URN = "urn:gtin:"
STATUSES = ("Active", "Deprecated")
_ONE_DAY = dt.timedelta(days=1)
FILTERS = (
    "productId",
    "companyId",
    "geography",
    "classification",
    "validOn",
    "validAfter",
    "validBefore",
    "status",
)
#: Tanji declared units -> PACT v3 declaredUnitOfMeasurement ("item" was v2's "piece").
_UNITS = {"item": "piece"}
#: Mass is not relevant for energy and transport units: PACT says send 0 (not "unknown").
_MASSLESS_UNITS = ("kilowatt hour", "megajoule", "ton kilometer")
#: Certificate standards -> PACT crossSectoralStandards names; others are sent as written.
_STANDARDS = {
    "ISO 14067:2018": "ISO14067",
    "ISO/TS 14067:2013": "ISO14067",
    "PAS 2050:2011": "PAS2050",
}


class TokenExpired(Unauthorized):
    """The access token was valid once but has expired."""

    reason = "token_expired"


@dataclass(frozen=True)
class RevisionRecord:
    """One revision of a certificate with the product it certifies."""

    certificate: Certificate  # the certificate's fields as of this revision
    revision: int
    latest_revision: int
    product: Product
    #: When this revision replaced the previous one (None for a first revision).
    replaced_previous_at: dt.datetime | None = None


class RevisionSource(Protocol):
    """What PACT footprints need from storage."""

    def release_id(self) -> int:
        """The current catalogue release: every change of a certificate makes a new one."""

    def revisions(self, gtins: Iterable[str] | None = None) -> list[RevisionRecord]:
        """Every revision of every certificate (only those of ``gtins`` when given), ordered
        by certificate number then revision."""


@dataclass(frozen=True)
class FootprintFilter:
    """The ListFootprints filters: values of one filter are ORed, filters are ANDed.
    Text filters are lower-cased (PACT matches them case-insensitively); None = no filter."""

    product_ids: frozenset[str] | None = None
    company_ids: frozenset[str] | None = None
    geographies: frozenset[str] | None = None
    classifications: frozenset[str] | None = None
    valid_on: dt.datetime | None = None
    valid_after: dt.datetime | None = None
    valid_before: dt.datetime | None = None
    statuses: frozenset[str] | None = None

    def gtins(self) -> list[str] | None:
        """GTIN-14s the productId filter can match (None when it does not restrict)."""
        if self.product_ids is None:
            return None
        found = []
        for value in self.product_ids:
            if value.startswith(GTIN_URN):
                try:
                    found.append(normalize_gtin(value.removeprefix(GTIN_URN)))
                except DomainError:
                    continue
        return found

    def matches(self, pf: Mapping[str, Any]) -> bool:
        pcf = pf["pcf"]
        if not _any_in(self.product_ids, pf["productIds"]):
            return False
        if not _any_in(self.company_ids, pf["companyIds"]):
            return False
        if not _any_in(self.classifications, pf.get("productClassifications", ())):
            return False
        geography = [
            pcf.get(k)
            for k in (
                "geographyCountry",
                "geographyRegionOrSubregion",
                "geographyCountrySubdivision",
            )
            if pcf.get(k)
        ]
        if not _any_in(self.geographies, geography):
            return False
        if self.statuses is not None and pf["status"].lower() not in self.statuses:
            return False
        if self.valid_on is None and self.valid_after is None and self.valid_before is None:
            return True
        start, end = validity_period(pf)
        if self.valid_on is not None and not (start <= self.valid_on <= end):
            return False
        if self.valid_after is not None and not start > self.valid_after:
            return False
        return self.valid_before is None or end < self.valid_before


def _any_in(wanted: frozenset[str] | None, values: Iterable[str]) -> bool:
    return wanted is None or any(v.lower() in wanted for v in values)


def parse_filter(args: Mapping[str, Sequence[str]]) -> FootprintFilter:
    """The filter of a query string given as {name: [values]}; unknown names are ignored.

    Raises InvalidInput for a date that is not an RFC 3339 date-time (or date). Unknown text
    values are not errors: they match nothing.
    """

    def texts(name: str) -> frozenset[str] | None:
        values = [v.strip().lower() for v in args.get(name, ()) if v.strip()]
        return frozenset(values) if values else None

    def instant(name: str) -> dt.datetime | None:
        values = [v for v in args.get(name, ()) if v.strip()]
        if not values:
            return None
        if len(values) > 1:
            raise InvalidInput(f"{name} may be given once.", field=name)
        return parse_datetime(values[0], name)

    return FootprintFilter(
        product_ids=texts("productId"),
        company_ids=texts("companyId"),
        geographies=texts("geography"),
        classifications=texts("classification"),
        valid_on=instant("validOn"),
        valid_after=instant("validAfter"),
        valid_before=instant("validBefore"),
        statuses=texts("status"),
    )


def parse_datetime(text: str, name: str) -> dt.datetime:
    """An RFC 3339 date-time (a date means its start, UTC). A '+' pasted unencoded into a URL
    arrives as a space ("...T00:00:00 08:00"): that is read as the '+' it was."""
    value = text.strip()
    if len(value) > 19 and value[-6] == " " and value[-5:-3].isdigit():
        value = value[:-6] + "+" + value[-5:]
    try:
        if len(value) == 10:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        else:
            parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{name} is not an RFC 3339 date-time (e.g. 2025-01-01T00:00:00Z): {text[:40]!r}.",
            field=name,
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def footprint_id(number: str, revision: int) -> str:
    return str(uuid.uuid5(PF_NAMESPACE, f"{number}/{revision}"))


def day_start(day: dt.date) -> dt.datetime:
    """The instant a China Standard Time calendar day begins, in UTC."""
    return dt.datetime.combine(day, dt.time(), CHINA_TZ).astimezone(dt.UTC)


def instant_text(when: dt.datetime) -> str:
    """RFC 3339 in UTC with Z: no '+' that a recipient might paste unencoded into a URL."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.lru_cache(maxsize=8192)
def day_text(day: dt.date) -> str:
    """instant_text(day_start(day)), cached: a catalogue repeats the same few thousand days."""
    return instant_text(day_start(day))


def validity_period(pf: Mapping[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.fromisoformat(pf["validityPeriodStart"]),
        dt.datetime.fromisoformat(pf["validityPeriodEnd"]),
    )


def _decimal(value: Decimal) -> str:
    text = format(value, "f")
    return text


def product_footprint(record: RevisionRecord) -> dict[str, Any]:
    """The PACT v3 ProductFootprint of one certificate revision (JSON-ready).

    The latest revision of a certificate that is not revoked is Active; earlier revisions and
    revoked certificates are Deprecated. A revision > 1 names the one it replaces in
    precedingPfIds. Fields PACT requires that certificates do not hold are documented in
    README.md ("PACT v3") with the value sent and why.
    """
    c = record.certificate
    product = record.product
    active = record.revision == record.latest_revision and c.status != "revoked"
    unit = _UNITS.get(c.declared_unit, c.declared_unit)
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": unit,
        "declaredUnitAmount": _decimal(c.declared_unit_amount),
        "productMassPerDeclaredUnit": _decimal(_mass_per_declared_unit(c, product)),
        "referencePeriodStart": day_text(c.reference_period_start),
        "referencePeriodEnd": day_text(c.reference_period_end + _ONE_DAY),
        "geographyCountry": GEOGRAPHY_COUNTRY,
        "boundaryProcessesDescription": _boundary_description(c),
        "pcfExcludingBiogenicUptake": _decimal(c.pcf),
        "pcfIncludingBiogenicUptake": _decimal(c.pcf),
        "fossilGhgEmissions": _decimal(c.pcf),
        "fossilCarbonContent": "0",
        "ipccCharacterizationFactors": [c.characterization],
        "crossSectoralStandards": list(dict.fromkeys(_STANDARDS.get(s, s) for s in c.standards)),
        "exemptedEmissionsPercent": "0",
    }
    if c.factor_database and c.factor_database_version:
        pcf["secondaryEmissionFactorSources"] = [
            {"name": c.factor_database, "version": c.factor_database_version}
        ]
    verification: dict[str, Any] = {
        "coverage": "product level",
        "providerName": c.verified_by or c.body.name.en or c.body.name.zh,
        "standardName": ", ".join(c.standards),
        "comments": f"Certified by {c.body.name.en or c.body.name.zh}, certificate {c.number}.",
    }
    if c.verified_on:
        verification["completedAt"] = day_text(c.verified_on)
    pcf["verification"] = verification

    created = record.replaced_previous_at or day_start(c.issued_on)
    pf: dict[str, Any] = {
        "id": footprint_id(c.number, record.revision),
        "specVersion": SPEC_VERSION,
    }
    if record.revision > 1:
        pf["precedingPfIds"] = [footprint_id(c.number, record.revision - 1)]
    pf |= {
        "created": instant_text(created),
        "status": "Active" if active else "Deprecated",
        "validityPeriodStart": day_text(c.issued_on),
        "validityPeriodEnd": day_text(c.valid_until + _ONE_DAY),
        "companyName": c.body.name.en or c.body.name.zh,
        "companyIds": [f"{COMPANY_URN}{c.body.id}"],
        "productDescription": _description(product),
        "productIds": [f"{GTIN_URN}{product.gtin}"],
        "productClassifications": [f"{CLASSIFICATION_URN}{product.category.id}"],
        "productNameCompany": product.name.en or product.name.zh,
        "comment": _comment(record),
        "pcf": pcf,
    }
    return pf


def _mass_per_declared_unit(c: Certificate, product: Product) -> Decimal:
    """kg of product per declared unit where we know it: the declared unit is mass, or it is
    one sales item whose net content is in kilograms. 0 otherwise (see README)."""
    if c.declared_unit == "kilogram":
        return c.declared_unit_amount
    net = product.net_content
    if (
        c.declared_unit == "item"
        and net is not None
        and net.unit == "kilogram"
        and product.sales_unit.unit == "item"
        and product.sales_unit.amount == 1
    ):
        return net.amount * c.declared_unit_amount
    return Decimal(0)


def _boundary_description(c: Certificate) -> str:
    text = f"{c.system_boundary} (certificate {c.number})"
    if c.stages:
        parts = ", ".join(f"{stage} {_decimal(value)}" for stage, value in c.stages.items())
        text += f"; kg CO2e per declared unit by life-cycle stage: {parts}"
    return text


def _description(product: Product) -> str:
    names = " / ".join(dict.fromkeys(n for n in (product.name.zh, product.name.en) if n))
    text = f"{names}. Brand: {product.brand or 'unknown'}. Category: {product.category.name.en or product.category.name.zh}."
    if product.sample:
        text += " Fictional sample data."
    return text


def _comment(record: RevisionRecord) -> str:
    c = record.certificate
    text = (
        f"Tanji certificate {c.number}, revision {record.revision} of {record.latest_revision}; "
        f"certificate status {c.status}"
    )
    if c.status_reason:
        text += f" ({c.status_reason})"
    text += (
        f"; issued {c.issued_on.isoformat()}, valid until {c.valid_until.isoformat()} (China time)."
    )
    if c.sample:
        text += " Fictional sample data."
    return text


def list_footprints(source: RevisionSource, query: FootprintFilter) -> list[dict[str, Any]]:
    """Every footprint matching the filter, in a stable order (certificate number, revision)."""
    gtins = query.gtins()
    if gtins is not None and not gtins:
        return []
    footprints = (product_footprint(r) for r in source.revisions(gtins))
    return [pf for pf in footprints if query.matches(pf)]


def get_footprint(source: RevisionSource, pf_id: str) -> dict[str, Any]:
    """Raises NotFound when no certificate revision has this id."""
    return index_footprints(source).get(pf_id)


@dataclass(frozen=True)
class FootprintIndex:
    """Every footprint of one catalogue release, in list order, and by id."""

    release: int
    footprints: tuple[dict[str, Any], ...]
    by_id: Mapping[str, dict[str, Any]]

    def select(self, query: FootprintFilter) -> Sequence[dict[str, Any]]:
        if query == FootprintFilter():
            return self.footprints
        return [pf for pf in self.footprints if query.matches(pf)]

    def get(self, pf_id: str) -> dict[str, Any]:
        """Raises NotFound when no certificate revision has this id."""
        found = self.by_id.get(pf_id.lower())
        if found is None:
            raise NotFound(f"No footprint with id {pf_id}.", id=pf_id)
        return found


def index_footprints(source: RevisionSource) -> FootprintIndex:
    """Map the whole catalogue once; callers keep the index until the release changes."""
    release = source.release_id()
    footprints = tuple(product_footprint(r) for r in source.revisions())
    return FootprintIndex(release, footprints, {pf["id"]: pf for pf in footprints})


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_offset: int | None


def paginate(items: Sequence[dict[str, Any]], *, limit: int | None, offset: int) -> Page:
    """At most ``limit`` items from ``offset``; next_offset when more remain."""
    if limit is None:
        return Page(list(items[offset:]), None)
    end = offset + limit
    return Page(list(items[offset:end]), end if end < len(items) else None)


def parse_count(text: str | None, name: str, *, minimum: int) -> int | None:
    """A non-negative integer query parameter (None when absent). Raises InvalidInput."""
    if text is None or text == "":
        return None
    if not text.isdigit() or int(text) < minimum or len(text) > 9:
        raise InvalidInput(f"{name} must be an integer >= {minimum}.", field=name)
    return int(text)
