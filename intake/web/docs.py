"""The API documentation page, with Swagger UI's files served by us: nothing comes from the internet."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from intake.web.security_headers import policy_with_script

STATIC_DIR = Path(__file__).parent / "static"
SWAGGER = "/static/swagger_ui"


def mount_static(app: FastAPI) -> None:
    """/static: Swagger UI (swagger-ui-dist) and htmx, shipped in the package (see their VERSION files)."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def docs_router(app: FastAPI) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    def docs() -> HTMLResponse:
        page = _swagger(app)
        inline = re.search(r"<script>(.*?)</script>", bytes(page.body).decode(), re.S)
        if inline:  # Swagger UI starts from one inline script: allow that one, by its hash
            page.headers["Content-Security-Policy"] = policy_with_script(inline.group(1))
        return page

    return router


def _swagger(app: FastAPI) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} · API",
        swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js", swagger_css_url=f"{SWAGGER}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},  # the online validator is not asked either
    )
