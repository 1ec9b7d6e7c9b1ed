"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from core.db import get_engine
from core.queue import get_redis
from intake.api.problems import problem_responses

router = APIRouter(tags=["health"])
NOT_READY: dict[int | str, dict[str, Any]] = {503: {
    "description": "Chưa sẵn sàng / not ready: which of database and Redis does not answer",
                   "content": {"application/json": {}}}}


@router.get("/healthz", summary="The process is alive", responses=problem_responses())
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database and Redis answer", responses={**problem_responses(), **NOT_READY})
def readyz() -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = type(exc).__name__
    try:
        get_redis().ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = type(exc).__name__
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ready else "unavailable", **checks}, status_code=200 if ready else 503)
