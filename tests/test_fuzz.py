"""Fuzz every operation from the app's own OpenAPI spec with schemathesis (the served spec is
the checked-in one, see test_project.py): whatever a client sends, never a 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings


def test_no_operation_answers_5xx_to_generated_requests(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:

        @given(case=operation.as_strategy())
        # derandomize: the same examples on every run, so CI sees what was checked here.
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        def fuzz(case):
            case.call_and_validate(checks=[schemathesis.checks.not_a_server_error])

        fuzz()
