"""POST /v1/household/estimate: a voluntary household estimate; stateless, stores nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Response, current_app, jsonify
from flask.views import MethodView

from app.core import estimator as core
from app.core.activities import Activity, HeatingSeason, given_season
from app.core.purchases import Purchase
from app.db import get_catalogue
from app.routes import UNPROCESSABLE, Blueprint, lang, today
from schemas.estimator import EstimateRequest, EstimateSchema, render_estimate

blp = Blueprint(
    "estimator",
    __name__,
    url_prefix="/v1",
    description="Household estimator: voluntary and anonymous; stores nothing",
)
#: Single-value inputs of the stateless request, in the order lines are listed.
_SINGLE = (
    "electricity",
    "ev_charging",
    "natural_gas",
    "lpg",
    "coal",
    "district_heating",
    "tap_water",
)


@blp.after_request
def no_store(response: Response) -> Response:
    """Estimates are private: never cached by browsers or proxies."""
    response.headers["Cache-Control"] = "no-store"
    return response


def run_estimate(inputs: core.Inputs) -> Any:
    """The estimate of ``inputs`` as of today, rendered in the request's language."""
    result = core.estimate(
        inputs,
        factors=get_catalogue(),
        catalogue=get_catalogue(),
        today=today(),
        public_base_url=current_app.config["PUBLIC_BASE_URL"],
    )
    return jsonify(render_estimate(result, lang()))


@blp.route("/household/estimate")
class HouseholdEstimate(MethodView):
    @blp.arguments(EstimateRequest)
    @blp.response(200, EstimateSchema)
    @blp.alt_response(
        422,
        response=UNPROCESSABLE,
        description="An impossible input; `errors` names the field",
    )
    def post(self, body: dict):
        """Estimate a household's footprint for a period; stores nothing

        Electricity uses the latest national life-cycle carbon footprint factor; purchases count
        only with a currently valid certificate; every line names its factor or certificate.
        """
        start, end = core.period_of(**_period(body["period"]))
        activities = [
            Activity(
                name,
                name,
                body[name]["amount"],
                body[name]["unit"],
                season=_season(body[name].get("season"), f"{name}.season"),
            )
            for name in _SINGLE
            if name in body
        ]
        for i, car in enumerate(body.get("car", [])):
            distance = car.get("distance") or {}
            activities.append(
                Activity(
                    car["fuel"],
                    f"car[{i}]",
                    car.get("amount"),
                    car.get("unit"),
                    distance=distance.get("amount"),
                    distance_unit=distance.get("unit"),
                    consumption=car.get("consumption"),
                )
            )
        for name in ("rail", "air"):
            if name in body:
                activities.append(Activity(name, name, body[name]["amount"], body[name]["unit"]))
        purchases = body.get("purchases", [])
        inputs = core.Inputs(
            start=start,
            end=end,
            household_size=body["household_size"],
            province=body.get("province"),
            activities=tuple(activities),
            purchases=tuple(
                Purchase(
                    p["code"],
                    p["quantity"] if p["quantity"] is not None else Decimal(1),
                    f"purchases[{i}]",
                    on=p["date"],
                )
                for i, p in enumerate(purchases)
            ),
        )
        return run_estimate(inputs)


def _season(season: dict | None, field: str) -> HeatingSeason | None:
    return None if season is None else given_season(season["start"], season["end"], field)


def _period(period: dict) -> dict[str, Any]:
    return {"start": period.get("start"), "end": period.get("end"), "month": period.get("month")}
