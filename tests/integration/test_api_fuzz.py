"""Schemathesis over our own OpenAPI, in process, on the real test database and Redis.

Bounded (a few examples per operation, positive and negative): no 5xx, no status code or content
type the OpenAPI does not document, and every documented body matches its schema.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from intake.app import create_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Loaded at collection (the app connects to nothing until a request); `from_fixture` needs pytest < 9.
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@schema.parametrize()
@settings(max_examples=20, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_any_request_gets_a_documented_answer(case, db, redis_conn, roster) -> None:
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@settings(max_examples=20, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_any_request_of_a_signed_in_operator_gets_a_documented_answer(case, db, redis_conn, roster) -> None:
    from intake.people.auth import issue_token

    case.headers = {**(case.headers or {}), "authorization": f"Bearer {issue_token('fuzz', 'operator')}"}
    case.call_and_validate(checks=CHECKS)
