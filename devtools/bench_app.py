"""The app as `hotline serve` runs it, plus one bench-only endpoint: a one-row durable insert.

`POST /bench/one-row` validates a small JSON body, INSERTs one row into `bench_rows` and commits:
the cheapest thing that is still a durable write (PostgreSQL's commit, its fsync included). Set
against it, `POST /api/v1/reports` shows what the report path costs on top of writing at all.
`POST /bench/report-checks` is the report endpoint with that one-row insert in place of `open_ticket`
(the same body and validation, both intake limits, the same answer): it splits the report's cost
between the HTTP path around it and the report's own work. The
endpoint lives here, in devtools/, never in the product; the benchmark creates the table itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, StringConstraints
from sqlalchemy import text

from core.db import get_engine
from intake.api.ratelimit import check_intake
from intake.api.report_input import ReportAccepted, ReportIn

TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, body text NOT NULL,"
    " created_at timestamptz NOT NULL DEFAULT now())"
)
_INSERT = text("INSERT INTO bench_rows (body) VALUES (:body)")


class OneRow(BaseModel):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=5000)]
    location: str | None = None


router = APIRouter()


@router.post("/bench/one-row", status_code=201, include_in_schema=False)
def one_row(row: OneRow) -> dict[str, bool]:
    """One INSERT and a commit, in the same thread pool as the report endpoint."""
    with get_engine().begin() as conn:
        conn.execute(_INSERT, {"body": row.description})
    return {"ok": True}


@router.post("/bench/report-checks", status_code=201, include_in_schema=False)
def report_checks(
    request: Request, report: ReportIn,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=64)] = None,
) -> JSONResponse:
    """What the report endpoint does around `open_ticket` (the same body validated, both intake limits, the
    same answer), with the one-row insert in its place: what the report's own work costs is the rest."""
    check_intake(request, report.reporter_phone)
    report.to_report()
    with get_engine().begin() as conn:
        conn.execute(_INSERT, {"body": report.description})
    return JSONResponse(ReportAccepted(reference="TE0000000", status="assigned").model_dump(), status_code=201)


def create_app() -> FastAPI:
    from intake.app import create_app as create_product_app

    app = create_product_app()
    app.include_router(router)
    # Matched first: a route added last is tried after every route of the product (a fifth of the one-row
    # insert's samples were matching), where the report's route is among the first; neither pays for the other.
    app.router.routes.insert(0, app.router.routes.pop())
    return app
