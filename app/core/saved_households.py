"""Opt-in saved households: consent, bearer tokens, entries, and turning entries into the
estimator's inputs for a period. Storage is reached only through the HouseholdStore protocol."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Protocol

from app.core.activities import KINDS, Activity, heating_season, validate_activity
from app.core.codes import parse_scanned
from app.core.errors import InvalidCode, InvalidInput, NotACode, NotFound, Unauthorized
from app.core.estimator import MAX_HOUSEHOLD_SIZE, MAX_PERIOD_DAYS, Inputs, normalize_province
from app.core.messages import _
from app.core.purchases import Purchase, validate_purchase
from app.core.quantities import join_field

#: Version and text of the consent a saved household agrees to.
CONSENT_VERSION = "2026-12-04"
CONSENT_TEXT = _(
    "Saving a household is voluntary. Tanji stores only what the estimate needs: household size, "
    "province (optional) and the purchase and bill entries you add. We store no name, phone, "
    "address, meter or account number, device id, IP address or location finer than province, "
    "and the request logs hold none of them either: only each request's time, method, path "
    "(without the household id), status, size and duration. Your access token is shown once and we keep only its hash. You can export everything or "
    "delete the household at any time; deletion is permanent. Households unused for longer than "
    "the retention period are deleted automatically. This is an estimate, not a personal carbon "
    "account: no points and no rankings of people."
)

#: Entry kinds: every activity the estimator knows, plus a scanned purchase.
ENTRY_KINDS = (*KINDS, "purchase")
_UNAUTHORIZED = "Missing or invalid household credentials."
# Compared against when the household does not exist, so both paths do the same work.
_DUMMY_HASH = hashlib.sha256(b"tanji-no-such-household").hexdigest()


@dataclass(frozen=True)
class Household:
    id: str
    token_hash: str
    household_size: int
    province: str | None
    consent_version: str
    consent_given_at: str  # ISO 8601 UTC timestamp
    last_active_on: dt.date


@dataclass(frozen=True)
class Entry:
    """A purchase (``start == end`` is the day bought) or a bill covering start..end."""

    id: str
    household_id: str
    kind: str
    start: dt.date
    end: dt.date
    code: str | None = None
    quantity: Decimal | None = None
    amount: Decimal | None = None
    unit: str | None = None
    distance: Decimal | None = None
    distance_unit: str | None = None
    consumption: Decimal | None = None


class HouseholdStore(Protocol):
    def create(self, household: Household, *, limit: int | None = None) -> None:
        """Insert a new household. Raises Unavailable if the store already keeps ``limit``."""

    def get(self, household_id: str) -> Household | None:
        """One household, or None."""

    def touch(self, household_id: str, day: dt.date) -> None:
        """Record that the household was used on ``day``."""

    def set_token_hash(self, household_id: str, token_hash: str) -> None:
        """Replace the token hash (rotation)."""

    def add_entry(self, entry: Entry, *, limit: int) -> None:
        """Insert one entry. Raises InvalidInput if the household already has ``limit``."""

    def remove_entry(self, household_id: str, entry_id: str) -> bool:
        """Delete one entry of this household; False if it has no such entry."""

    def entries(
        self, household_id: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[Entry]:
        """Entries in insertion order; with start/end, only those overlapping that period."""

    def delete(self, household_id: str) -> None:
        """Delete the household and every row that belongs to it."""

    def purge(self, inactive_before: dt.date) -> int:
        """Delete households last used before that day, with their rows; returns how many."""


@dataclass(frozen=True)
class Created:
    household: Household
    token: str  # shown once, never stored


def new_token() -> str:
    """A random bearer token with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 is enough for a 256-bit random token: there is nothing to brute-force."""
    return hashlib.sha256(token.encode()).hexdigest()


def create(
    store: HouseholdStore,
    *,
    consent: bool,
    consent_version: str,
    household_size: int,
    province: str | None,
    now: dt.datetime,
    today: dt.date,
    store_limit: int | None = None,
) -> Created:
    """Create a household after explicit consent to the current consent text.

    Raises InvalidInput (field consent or consent_version) without it, and Unavailable when
    the store already keeps ``store_limit`` households.
    """
    check_consent(consent, consent_version)
    _check_size(household_size)
    token = new_token()
    household = Household(
        id=uuid.uuid4().hex,
        token_hash=hash_token(token),
        household_size=household_size,
        province=normalize_province(province),
        consent_version=consent_version,
        consent_given_at=now.astimezone(dt.UTC).isoformat(timespec="seconds"),
        last_active_on=today,
    )
    store.create(household, limit=store_limit)
    return Created(household, token)


def check_consent(consent: bool, consent_version: str) -> None:
    """Raises InvalidInput (field consent or consent_version) unless ``consent`` is explicit
    and given to the current text."""
    if consent is not True:
        raise InvalidInput(_("Saving a household needs your explicit consent."), field="consent")
    if consent_version != CONSENT_VERSION:
        raise InvalidInput(
            _(
                "Consent was given to version '%(consent_version)s'; the current text is '%(consent_version2)s'. Read GET /v1/households/consent and consent again.",
                consent_version=consent_version,
                consent_version2=CONSENT_VERSION,
            ),
            field="consent_version",
            current_version=CONSENT_VERSION,
        )


def save_estimate(
    store: HouseholdStore,
    inputs: Inputs,
    *,
    consent: bool,
    consent_version: str,
    now: dt.datetime,
    today: dt.date,
    entry_limit: int,
    store_limit: int | None = None,
    public_base_url: str = "",
) -> Created:
    """Save a household with what one estimate was made of: each activity as a bill covering
    the estimate's period, each purchase on its day (undated ones on the day the estimate
    judged them: the period's end, or today if earlier). The household's estimate for that
    period is then the one-off estimate's.

    Consent is checked first (as ``create``), then every entry, before anything is stored.
    Raises InvalidInput naming the estimate's field (``purchases[2].code``): a saved purchase
    must be a code /v1/resolve reads, which a one-off estimate only lists as not counted.
    """
    check_consent(consent, consent_version)
    entries = _entries_of(inputs, today=today, public_base_url=public_base_url)
    if len(entries) > entry_limit:
        raise InvalidInput(
            _("A household keeps at most %(limit)s entries.", limit=entry_limit),
            field="purchases",
            limit=entry_limit,
        )
    created = create(
        store,
        consent=consent,
        consent_version=consent_version,
        household_size=inputs.household_size,
        province=inputs.province,
        now=now,
        today=today,
        store_limit=store_limit,
    )
    household_id = created.household.id
    try:
        for entry in entries:
            store.add_entry(replace(entry, household_id=household_id), limit=entry_limit)
    except Exception:
        store.delete(household_id)  # all or nothing: no half-saved household stays behind
        raise
    return created


def _entries_of(inputs: Inputs, *, today: dt.date, public_base_url: str) -> list[Entry]:
    """The estimate's inputs as entries (household_id left empty), each checked as
    ``add_entry`` checks it; errors name the estimate's field."""
    entries = []
    for a in inputs.activities:
        if a.season is not None or a.window is not None or a.share != 1:
            raise InvalidInput(
                _(
                    "A saved household follows the heating season of its province; "
                    "save it without a season of your own."
                ),
                field=f"{a.field}.season",
            )
        entries.append(
            Entry(
                id=uuid.uuid4().hex,
                household_id="",
                kind=a.kind,
                start=inputs.start,
                end=inputs.end,
                amount=a.amount,
                unit=a.unit,
                distance=a.distance,
                distance_unit=a.distance_unit,
                consumption=a.consumption,
            )
        )
    judged_on = min(inputs.end, today)
    for p in inputs.purchases:
        day = p.on or judged_on
        entries.append(
            Entry(
                id=uuid.uuid4().hex,
                household_id="",
                kind="purchase",
                start=day,
                end=day,
                code=p.code,
                quantity=p.quantity,
            )
        )
    fields = [a.field for a in inputs.activities] + [p.field for p in inputs.purchases]
    for entry, field in zip(entries, fields, strict=True):
        try:
            check_entry(entry, public_base_url=public_base_url)
        except InvalidInput as error:
            inner = error.details.get("field")
            if entry.kind == "purchase" and inner == "end":
                inner = "date"
            raise InvalidInput(
                error.message,
                **{**error.details, "field": join_field(field, inner) if inner else field},
            ) from None
    return entries


@dataclass(frozen=True)
class Export:
    """Everything Tanji stores about a household, except the hash of its token."""

    exported_on: dt.date
    household: Household
    entries: list[Entry]
    note: str = "Everything Tanji stores about this household, except the hash of its token."


def export(store: HouseholdStore, household: Household, *, today: dt.date) -> Export:
    return Export(exported_on=today, household=household, entries=store.entries(household.id))


def authenticate(
    store: HouseholdStore, household_id: str, token: str | None, *, today: dt.date
) -> Household:
    """The household if ``token`` is its token. Raises Unauthorized otherwise, with the same
    message whether the household does not exist or the token is wrong."""
    household = store.get(household_id) if len(household_id) <= 64 else None
    presented = hash_token(token or "")
    expected = household.token_hash if household is not None else _DUMMY_HASH
    if not hmac.compare_digest(presented, expected) or household is None or not token:
        raise Unauthorized(_UNAUTHORIZED)
    if household.last_active_on != today:
        store.touch(household.id, today)
    return household


def rotate_token(store: HouseholdStore, household: Household) -> str:
    """Issue a new token; the old one stops working at once."""
    token = new_token()
    store.set_token_hash(household.id, hash_token(token))
    return token


def add_entry(
    store: HouseholdStore,
    household: Household,
    entry: Entry,
    *,
    limit: int,
    public_base_url: str = "",
) -> Entry:
    """Validate (check_entry) and store an entry. Raises InvalidInput naming the field."""
    check_entry(entry, public_base_url=public_base_url)
    store.add_entry(entry, limit=limit)
    return entry


def check_entry(entry: Entry, *, public_base_url: str = "") -> None:
    """Raises InvalidInput (naming the field) unless ``entry`` can be stored.

    A purchase's code must be a code /v1/resolve reads (a GTIN, GS1 element string, Digital
    Link, label URL under ``public_base_url`` or certificate number), at most MAX_CODE_LENGTH
    characters: anything else would only be stored text."""
    if entry.kind not in ENTRY_KINDS:
        raise InvalidInput(_("Unknown entry kind '%(kind)s'.", kind=entry.kind), field="kind")
    if entry.end < entry.start:
        raise InvalidInput(_("The entry ends before it starts."), field="end")
    if (entry.end - entry.start).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput(
            _("An entry covers at most %(max_period_days)s days.", max_period_days=MAX_PERIOD_DAYS),
            field="end",
        )
    bill_fields = (entry.amount, entry.unit, entry.distance, entry.distance_unit, entry.consumption)
    if entry.kind == "purchase":
        # Store only what the estimate needs: a purchase has no amount, unit or distance.
        if any(v is not None for v in bill_fields):
            raise InvalidInput(_("A purchase takes a code and a quantity only."), field="amount")
        if not entry.code or entry.quantity is None:
            raise InvalidInput(_("A purchase needs a code and a quantity."), field="code")
        if entry.start != entry.end:
            raise InvalidInput(_("A purchase is made on one day."), field="end")
        validate_purchase(Purchase(entry.code, entry.quantity, ""))
        _check_code(entry.code, public_base_url)
    else:
        if entry.code is not None or entry.quantity is not None:
            raise InvalidInput(_("Only a purchase takes a code and a quantity."), field="code")
        validate_activity(_activity(entry, field="", share=Decimal(1)))


#: Longest purchase code an entry keeps (a GS1 Digital Link with batch, serial and dates
#: fits in well under this).
MAX_CODE_LENGTH = 512


def _check_code(code: str, public_base_url: str) -> None:
    if len(code) > MAX_CODE_LENGTH:
        raise InvalidInput(
            _(
                "A purchase code has at most %(max_code_length)s characters.",
                max_code_length=MAX_CODE_LENGTH,
            ),
            field="code",
            limit=MAX_CODE_LENGTH,
        )
    try:
        parse_scanned(code, public_base_url=public_base_url)
    except (NotACode, InvalidCode) as error:
        raise InvalidInput(
            _("Not a product code Tanji reads: %(message)s", message=error.message), field="code"
        ) from None


def remove_entry(store: HouseholdStore, household: Household, entry_id: str) -> None:
    """Raises NotFound if this household has no such entry."""
    if not store.remove_entry(household.id, entry_id):
        raise NotFound(_("This household has no such entry."), entry_id=entry_id)


def inputs_for(
    household: Household, entries: Sequence[Entry], start: dt.date, end: dt.date
) -> Inputs:
    """The estimator's inputs for a period: purchases made in it (each judged on its day),
    and each bill prorated by the share of its days that fall inside the period.

    District heating follows the heating season assumed for the household's province: a
    metered bill by the share of its heating days inside the period, a heated floor area by
    the share of a season its days inside the period cover (so an area entered every month
    adds up to one season, not one season per entry)."""
    activities = []
    purchases = []
    season = heating_season(household.province)
    for entry in entries:
        if entry.end < start or entry.start > end:
            continue
        field = f"entries[{entry.id}]"
        if entry.kind == "purchase":
            purchases.append(
                Purchase(entry.code or "", entry.quantity or Decimal(0), field, on=entry.start)
            )
            continue
        first, last = max(entry.start, start), min(entry.end, end)
        seasonal = KINDS[entry.kind].seasonal
        if seasonal and entry.unit == "m2":
            activities.append(_activity(entry, field=field, share=Decimal(1), window=(first, last)))
            continue
        overlap = (last - first).days + 1
        span = (entry.end - entry.start).days + 1
        share = Decimal(1) if overlap == span else Decimal(overlap) / Decimal(span)
        if seasonal and overlap != span:
            heated = season.share(entry.start, entry.end)
            if heated:
                share = season.share(first, last) / heated
        activities.append(_activity(entry, field=field, share=share, window=(first, last)))
    return Inputs(
        start=start,
        end=end,
        household_size=household.household_size,
        province=household.province,
        activities=tuple(activities),
        purchases=tuple(purchases),
    )


def purge_inactive(store: HouseholdStore, *, today: dt.date, retention_days: int) -> int:
    """Delete households unused for more than ``retention_days``; returns how many."""
    if retention_days < 1:
        raise InvalidInput(
            _("The retention period must be at least one day."), field="retention_days"
        )
    return store.purge(today - dt.timedelta(days=retention_days))


def _activity(
    entry: Entry, *, field: str, share: Decimal, window: tuple[dt.date, dt.date] | None = None
) -> Activity:
    return Activity(
        kind=entry.kind,
        field=field,
        amount=entry.amount,
        unit=entry.unit,
        distance=entry.distance,
        distance_unit=entry.distance_unit,
        consumption=entry.consumption,
        share=share,
        window=window,
    )


def _check_size(size: int) -> None:
    if not 1 <= size <= MAX_HOUSEHOLD_SIZE:
        raise InvalidInput(
            _(
                "Household size must be between 1 and %(max_household_size)s.",
                max_household_size=MAX_HOUSEHOLD_SIZE,
            ),
            field="household_size",
        )
