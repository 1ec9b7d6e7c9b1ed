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
@settings(max_examples=15, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_any_request_gets_a_documented_answer(case, db, redis_conn, roster) -> None:
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@settings(max_examples=15, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_any_request_of_a_signed_in_operator_gets_a_documented_answer(case, db, redis_conn, roster) -> None:
    from intake.people.auth import issue_token

    case.headers = {**(case.headers or {}), "authorization": f"Bearer {issue_token('fuzz', 'operator')}"}
    case.call_and_validate(checks=CHECKS)


@schema.include(path_regex=r"\{reference\}").parametrize()
@settings(max_examples=25, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_any_move_on_a_real_case_gets_a_documented_answer(case, db, redis_conn, roster) -> None:
    """The same, on cases that exist, so the workflow's guards and the routing meet random input."""
    from core.db import UnitOfWork
    from intake.people.auth import issue_token
    from workflows.case.reports import NewReport
    from workflows.casework.service import open_ticket

    opened = open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị đánh", location="xã Cam Lộ, Quảng Trị"),
                         channel="api")
    case.path_parameters = {**(case.path_parameters or {}), "reference": opened.reference}
    case.headers = {**(case.headers or {}), "authorization": f"Bearer {issue_token('fuzz', 'operator')}"}
    case.call_and_validate(checks=CHECKS)
