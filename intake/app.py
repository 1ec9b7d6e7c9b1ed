"""The FastAPI application: the front doors of the hotline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse

from core.errors import HotlineError
from core.logging import configure_logging
from core.settings import get_settings, require_real_secret
from intake.api import cases as api_cases
from intake.api import health
from intake.api import reports as api_reports
from intake.api.problems import on_hotline_error, on_validation_error
from intake.commune import answer_page
from intake.telephony import twilio_webhooks, voice_answer
from routing.locate import warm_up
from workflows.context import active_policy


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    require_real_secret(get_settings())
    active_policy()  # a broken SLA policy stops the service here, with the line and the problem
    warm_up()  # build the gazetteer index now, not on the first caller's report
    yield


def create_app() -> FastAPI:
    configure_logging()
    app = FastAPI(
        title="hotline111",
        description="Tiếp nhận và điều phối ca bảo vệ trẻ em (111) / Child-protection hotline intake",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HotlineError, on_hotline_error)
    for module in (health, api_reports, twilio_webhooks, voice_answer, api_cases, answer_page):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/bao-cao")

    @app.get("/api/v1/ping", include_in_schema=False)
    def ping() -> dict[str, bool]:
        """A bare endpoint: the benchmark's baseline."""
        return {"ok": True}

    return app
