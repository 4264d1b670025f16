"""/v1/households: opt-in saved households behind a bearer token, and their estimates.
The CLI group `flask households purge` lives here too."""

from __future__ import annotations

import datetime as dt
import uuid

import click
from flask import Response, current_app, jsonify, request, url_for
from flask.views import MethodView

from app.core import saved_households as households
from app.core.estimator import period_of
from app.core.saved_households import CONSENT_TEXT, CONSENT_VERSION, Entry, Household
from app.db import get_households, open_stores
from app.i18n import _
from app.routes import LOCATION, UNPROCESSABLE, Blueprint, lang, today
from app.routes.estimator import run_estimate
from schemas.common import dump
from schemas.estimator import EstimateSchema
from schemas.saved_households import (
    ConsentSchema,
    CreatedSchema,
    EntryIn,
    EntryListSchema,
    EntrySchema,
    EstimateQuery,
    ExportSchema,
    HouseholdIn,
    HouseholdSchema,
    TokenSchema,
)

blp = Blueprint(
    "households",
    __name__,
    url_prefix="/v1",
    description="Saved households: opt-in, anonymous, behind a bearer token; deleted for real",
)
_BEARER = {"security": [{"bearerAuth": []}]}


@blp.after_request
def no_store(response: Response) -> Response:
    """Estimates and tokens are private: never cached by browsers or proxies."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _store() -> households.HouseholdStore:
    return get_households()


def _authenticated(household_id: str) -> Household:
    auth = request.authorization
    token = auth.token if auth is not None and auth.type == "bearer" else None
    return households.authenticate(_store(), household_id, token, today=today())


@blp.route("/households/consent")
class Consent(MethodView):
    @blp.response(200, ConsentSchema)
    def get(self):
        """The consent text (zh-CN and en) and its version, to show before saving a household"""
        return jsonify(
            dump(
                ConsentSchema(),
                {"version": CONSENT_VERSION, "text": CONSENT_TEXT},
                lang=lang(),
            )
        )


@blp.route("/households")
class Households(MethodView):
    @blp.arguments(HouseholdIn)
    @blp.response(201, CreatedSchema, headers=LOCATION)
    @blp.alt_response(
        422,
        response=UNPROCESSABLE,
        description="No consent, an old consent version, or an unknown field",
    )
    def post(self, body: dict):
        """Save a household (opt-in): needs consent; returns its id and a token shown once"""
        created = households.create(
            _store(),
            consent=body["consent"],
            consent_version=body["consent_version"],
            household_size=body["household_size"],
            province=body.get("province"),
            now=dt.datetime.now(dt.UTC),
            today=today(),
            store_limit=current_app.config["HOUSEHOLD_STORE_LIMIT"],
        )
        notice = _(
            "Keep this token: it is shown only once and is the only way to reach this household."
        )
        location = url_for(".HouseholdResource", household_id=created.household.id)
        body = {"household": created.household, "token": created.token, "notice": notice}
        return body, {"Location": location}


@blp.route("/households/<household_id>")
class HouseholdResource(MethodView):
    @blp.doc(**_BEARER)
    @blp.response(200, HouseholdSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    def get(self, household_id: str):
        """A saved household: size, province and consent"""
        return _authenticated(household_id)

    @blp.doc(**_BEARER)
    @blp.response(204)
    @blp.alt_response(401, response="UNAUTHORIZED")
    def delete(self, household_id: str):
        """Delete the household and every entry, for real"""
        household = _authenticated(household_id)
        _store().delete(household.id)


@blp.route("/households/<household_id>/token")
class Token(MethodView):
    @blp.doc(**_BEARER)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    def post(self, household_id: str):
        """Rotate the token: returns a new one (shown once); the old one stops working"""
        household = _authenticated(household_id)
        return {"token": households.rotate_token(_store(), household)}


@blp.route("/households/<household_id>/entries")
class Entries(MethodView):
    @blp.doc(**_BEARER)
    @blp.response(200, EntryListSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    def get(self, household_id: str):
        """Every entry of the household, in the order added"""
        household = _authenticated(household_id)
        entries = _store().entries(household.id)
        return {"count": len(entries), "entries": entries}

    @blp.doc(**_BEARER)
    @blp.arguments(EntryIn)
    @blp.response(201, EntrySchema, headers=LOCATION)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(422, response=UNPROCESSABLE)
    def post(self, body: dict, household_id: str):
        """Add a purchase (code, quantity, date) or a bill (amount, unit, start/end or month)"""
        household = _authenticated(household_id)
        entry = Entry(id=uuid.uuid4().hex, household_id=household.id, **body)
        config = current_app.config
        added = households.add_entry(
            _store(),
            household,
            entry,
            limit=config["HOUSEHOLD_ENTRY_LIMIT"],
            public_base_url=config["PUBLIC_BASE_URL"],
        )
        location = url_for(".EntryResource", household_id=household.id, entry_id=added.id)
        return added, {"Location": location}


@blp.route("/households/<household_id>/entries/<entry_id>")
class EntryResource(MethodView):
    @blp.doc(**_BEARER)
    @blp.response(204)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, household_id: str, entry_id: str):
        """Remove one entry"""
        households.remove_entry(_store(), _authenticated(household_id), entry_id)


@blp.route("/households/<household_id>/estimate")
class SavedEstimate(MethodView):
    @blp.doc(**_BEARER)
    @blp.arguments(EstimateQuery, location="query")
    @blp.response(200, EstimateSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(422, response=UNPROCESSABLE)
    def get(self, args: dict, household_id: str):
        """The estimate for any period (?month=YYYY-MM or ?start=&end=), from the saved entries

        Bills that straddle the period are prorated by days.
        """
        household = _authenticated(household_id)
        start, end = period_of(args.get("start"), args.get("end"), args.get("month"))
        entries = _store().entries(household.id, start, end)
        return run_estimate(households.inputs_for(household, entries, start, end))


@blp.route("/households/<household_id>/export")
class Export(MethodView):
    @blp.doc(**_BEARER)
    @blp.response(200, ExportSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    def get(self, household_id: str):
        """Everything stored about the household, as JSON"""
        return households.export(_store(), _authenticated(household_id), today=today())


@blp.cli.command("purge")
@click.option(
    "--rewrite",
    is_flag=True,
    help="Then rewrite the household tables, so no byte of a deleted household stays in "
    "their files (PostgreSQL: VACUUM FULL, which locks them while it runs; for a quiet hour).",
)
def purge_command(rewrite: bool) -> None:
    """Delete saved households unused for longer than HOUSEHOLD_RETENTION_DAYS."""
    with open_stores() as stores:
        removed = households.purge_inactive(
            stores.households,
            today=today(),
            retention_days=current_app.config["HOUSEHOLD_RETENTION_DAYS"],
        )
        if rewrite:
            stores.households.rewrite()
    click.echo(f"Purged {removed} inactive household(s).")
