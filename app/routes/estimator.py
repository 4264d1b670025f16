"""POST /v1/household/estimate: a voluntary household estimate; stateless, stores nothing."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify
from flask.views import MethodView

from app.core import estimator as core
from app.db import get_catalogue
from app.routes import UNPROCESSABLE, Blueprint, lang, today
from schemas.estimate_render import render_estimate
from schemas.estimator import EstimateRequest, EstimateSchema

blp = Blueprint(
    "estimator",
    __name__,
    url_prefix="/v1",
    description="Household estimator: voluntary and anonymous; stores nothing",
)


@blp.after_request
def no_store(response: Response) -> Response:
    """Estimates are private: never cached by browsers or proxies."""
    response.headers["Cache-Control"] = "no-store"
    return response


def estimate_of(inputs: core.Inputs) -> core.Estimate:
    """The estimate of ``inputs`` as of today (the API and the /estimate page alike)."""
    return core.estimate(
        inputs,
        factors=get_catalogue(),
        catalogue=get_catalogue(),
        today=today(),
        public_base_url=current_app.config["PUBLIC_BASE_URL"],
    )


def run_estimate(inputs: core.Inputs) -> Any:
    """The estimate of ``inputs`` as of today, rendered in the request's language."""
    return jsonify(render_estimate(estimate_of(inputs), lang()))


@blp.route("/household/estimate")
class HouseholdEstimate(MethodView):
    @blp.arguments(EstimateRequest)
    @blp.response(200, EstimateSchema)
    @blp.alt_response(
        422,
        response=UNPROCESSABLE,
        description="An impossible input; `errors` names the field",
    )
    def post(self, inputs: core.Inputs):
        """Estimate a household's footprint for a period; stores nothing

        Electricity uses the latest national life-cycle carbon footprint factor; purchases count
        only with a currently valid certificate; every line names its factor or certificate.
        """
        return run_estimate(inputs)
