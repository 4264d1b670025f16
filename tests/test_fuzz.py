"""Fuzz every operation from the app's own OpenAPI spec with schemathesis and every check it
has (`--checks all`: no 5xx, response schema, status codes, headers, content types, schema-valid
requests accepted, invalid ones rejected, 405 with Allow, auth not ignored), with schema-valid
(positive) and schema-invalid (negative) requests alike. The served spec is the checked-in one
(see test_project.py). Saved-household operations run with a real household and its token, so
their 2xx answers are checked too.

Bounded and derandomized: the same examples on every run, so CI sees what was checked here.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES

EXAMPLES = 8

#: Operations whose rules go beyond what JSON Schema can state, and the domain reasons a
#: schema-valid request may still be refused for there (always documented as a 400 or 422).
#: A schema-valid request refused by the schema itself (errors keyed by json/query/files) fails
#: everywhere: the spec would be lying about what the server accepts.
BEYOND_SCHEMA = {
    "GET /v1/products/{gtin}": {"invalid_code"},  # a GS1 check digit
    "GET /v1/products/{gtin}/label.svg": {"invalid_code"},  # a GS1 check digit
    "GET /v1/products/{gtin}/label.png": {"invalid_code"},  # a GS1 check digit
    "GET /01/{rest}": {"invalid_code"},  # a GS1 check digit, the AIs' character sets
    "GET /v1/resolve": {"not_a_code", "invalid_code"},  # what a scanned text is
    "POST /v1/household/estimate": {"invalid_input"},  # units per activity, plausible maxima
    "GET /v1/households/{household_id}/estimate": {"invalid_input"},  # month XOR start/end
    "POST /v1/households/{household_id}/entries": {"invalid_input"},  # fields each kind needs
    "POST /v1/scans": {"bad_image", "unsupported_media_type"},  # bytes that decode as a photo
}
_LOCATIONS = {"json", "query", "files", "form", "headers", "path"}


@schemathesis.check
def refused_only_for_a_documented_domain_reason(ctx, response, case):
    """Where BEYOND_SCHEMA allows it, a schema-valid request may get 400/422 (415 for scans),
    but only for the listed domain reasons, never for failing the request schema."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code < 400:
        return None
    if response.status_code not in (400, 415, 422):
        return None
    errors = response.json()["errors"]
    allowed = BEYOND_SCHEMA[case.operation.label]
    assert errors["reason"] in allowed, f"{case.operation.label}: refused for {errors}"
    assert not _LOCATIONS & set(errors), f"schema-valid request failed the schema: {errors}"
    return None


def _household(client) -> tuple[str, dict[str, str]]:
    consent = client.get("/v1/households/consent").get_json()["version"]
    body = {"consent": True, "consent_version": consent, "household_size": 2}
    created = client.post("/v1/households", json=body).get_json()
    return created["household"]["id"], {"Authorization": f"Bearer {created['token']}"}


def test_every_operation_passes_every_schemathesis_check(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    # A schema-invalid request may also be refused as too large (413: e.g. a multipart body
    # of more parts than MAX_FORM_PARTS): a refusal, documented on /v1/scans.
    rejections = [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]
    config = SchemathesisConfig.from_dict(
        {"checks": {"negative_data_rejection": {"expected-statuses": rejections}}}
    )
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app, config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    load_all_checks()
    every_check = CHECKS.get_all()
    assert {c.__name__ for c in every_check} >= {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "positive_data_acceptance",
        "negative_data_rejection",
        "unsupported_method",
        "ignored_auth",
    }
    client = app.test_client()

    for operation in operations:
        checks = list(every_check)
        if operation.label in BEYOND_SCHEMA:
            checks.remove(schemathesis.checks.positive_data_acceptance)
        else:
            checks.remove(refused_only_for_a_documented_domain_reason)
        fixed: dict = {}
        if "{household_id}" in operation.path:
            household_id, auth = _household(client)
            fixed = {"path_parameters": {"household_id": household_id}, "headers": auth}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode, **fixed))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
                derandomize=True,
            )
            def fuzz(case):
                case.call_and_validate(checks=checks)  # noqa: B023 (called before the next loop)

            try:
                fuzz()
            except Unsatisfiable:
                # Nothing to make invalid (no parameters, no body): negative mode has no case.
                assert mode is GenerationMode.NEGATIVE, operation.label
