"""The app as `hotline serve` runs it, plus one bench-only endpoint: a one-row durable insert.

`POST /bench/one-row` validates a small JSON body, INSERTs one row into `bench_rows` and commits:
the cheapest thing that is still a durable write (PostgreSQL's commit, its fsync included). Set
against it, `POST /api/v1/reports` shows what the report path costs on top of writing at all. The
endpoint lives here, in devtools/, never in the product; the benchmark creates the table itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, StringConstraints
from sqlalchemy import text

from core.db import get_engine

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


def create_app() -> FastAPI:
    from intake.app import create_app as create_product_app

    app = create_product_app()
    app.include_router(router)
    return app
