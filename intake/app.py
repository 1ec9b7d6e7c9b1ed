"""The FastAPI application: the front doors of the hotline."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from core import i18n
from core.crypto import key_ring
from core.db import UnitOfWork
from core.errors import HotlineError
from core.logging import configure_logging
from core.settings import get_settings, require_real_secret
from intake.api import cases as api_cases
from intake.api import health, metrics
from intake.api import reports as api_reports
from intake.api.input_guard import InputGuard
from intake.api.problems import on_database_down, on_hotline_error, on_http_error, on_validation_error
from intake.api.ratelimit import RateLimited, on_rate_limited
from intake.board import statistics as board_statistics
from intake.board import supervisor as supervisor_board
from intake.commune import answer_page, code_signin, directory_page, officer_pages, referral_page
from intake.console import case_pages, contact_pages, desk
from intake.people import web as people_web
from intake.telephony import jasmin_webhooks, twilio_webhooks, voice_answer, voice_intake, zalo_webhooks
from intake.web.docs import docs_router, mount_static
from intake.web.security_headers import SecurityHeaders
from routing.locate import warm_up
from workflows.clocks.context import active_policy
from workflows.contacts.voice_steps import remember_on_duty


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    require_real_secret(get_settings())
    key_ring()  # a malformed HOTLINE_DATA_KEYS stops the service here, not at the first report
    active_policy()  # a broken SLA policy stops the service here, with the line and the problem
    warm_up()  # build the gazetteer index now, not on the first caller's report
    i18n.load_all()  # read and compile the text catalogs now, not on the first caller's webhook
    try:  # who a call is put through to if the database stops answering later (best effort: it may be down now)
        remember_on_duty(UnitOfWork())
    except SQLAlchemyError as exc:
        logging.getLogger(__name__).warning("operators on duty not read at start (%s)", type(exc).__name__)
    # What start-up built (the gazetteer's index, the app, the policy) lives as long as the process: move it
    # out of the collector's reach, so no full collection walks it again in the middle of a request.
    gc.collect()
    gc.freeze()
    yield


def create_app() -> FastAPI:
    configure_logging()
    app = FastAPI(
        title="hotline111",
        description="Tiếp nhận và điều phối ca bảo vệ trẻ em (111) / Child-protection hotline intake",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served below with our own copy of Swagger UI
        redoc_url=None,  # ReDoc would load its script from a CDN
    )
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HotlineError, on_hotline_error)
    app.add_exception_handler(RateLimited, on_rate_limited)  # 429 with Retry-After
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    for down in (OperationalError, InterfaceError, PoolTimeout, RedisConnectionError, RedisTimeoutError):
        app.add_exception_handler(down, on_database_down)
    app.add_middleware(InputGuard)
    app.add_middleware(SecurityHeaders)  # every answer has them, refusals included
    app.add_middleware(metrics.Edge)  # outermost: the id is in every line, the time covers the guard and the headers
    for module in (health, metrics, api_reports, twilio_webhooks, voice_intake, jasmin_webhooks, zalo_webhooks,
                   api_cases, people_web, voice_answer, answer_page, referral_page, board_statistics, supervisor_board,
                   desk, contact_pages, case_pages, code_signin, directory_page, officer_pages):
        app.include_router(module.router)
    app.include_router(docs_router(app))
    mount_static(app)

    @app.get("/api/v1/ping", include_in_schema=False)
    def ping() -> dict[str, bool]:
        """A bare endpoint: the benchmark's baseline."""
        return {"ok": True}

    return app
