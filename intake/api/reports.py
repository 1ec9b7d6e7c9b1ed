"""Web reports: the partner JSON API and the public form, both into workflows.open_ticket."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError

from core.db import UnitOfWork
from intake.api.problems import field_errors
from intake.api.ratelimit import RateLimited, check_address, check_phone
from intake.api.report_input import ReportAccepted, ReportIn
from intake.web.i18n import pick_language, texts
from intake.web.templating import render
from workflows.service import open_ticket

router = APIRouter()


@router.post(
    "/api/v1/reports", status_code=201, response_model=ReportAccepted,
    summary="Gửi báo cáo về trẻ em cần bảo vệ / Submit a report",
    responses={422: {"description": "problem+json, one message per field (vi, en)"},
               429: {"description": "problem+json: too many reports from this address or phone; Retry-After"}},
    dependencies=[Depends(check_address)],
)
def submit_report(
    report: ReportIn,
    idempotency_key: Annotated[str | None, Header(max_length=64)] = None,
) -> Any:
    check_phone(report.reporter_phone)
    opened = open_ticket(UnitOfWork(), report=report.to_report(), channel="api",
                         external_id=idempotency_key, actor="partner", via="api")
    body = ReportAccepted(reference=opened.reference, status=opened.state).model_dump()
    return JSONResponse(body, status_code=201 if opened.created else 200)


@router.get("/bao-cao", response_class=HTMLResponse, include_in_schema=False)
def report_form(request: Request) -> HTMLResponse:
    lang = pick_language(request)
    return render("report_form.html", lang=lang, t=texts(lang), values={}, errors={})


@router.post("/bao-cao", response_class=HTMLResponse, include_in_schema=False)
async def report_form_submit(request: Request) -> HTMLResponse:
    lang = pick_language(request)
    try:
        check_address(request)
    except RateLimited as exc:
        return _rate_limited_page(exc, lang)
    form = await request.form()
    values: dict[str, Any] = {k: str(v) for k, v in form.items()}
    data = {**values, "immediate_danger": "immediate_danger" in values,
            "consent_to_contact": "consent_to_contact" in values}
    if not data.get("child_age"):
        data.pop("child_age", None)
    try:
        report = ReportIn.model_validate(data)
    except ValidationError as exc:
        errors = {e["field"]: e["message" if lang == "vi" else "message_en"] for e in field_errors(exc.errors())}
        return render("report_form.html", status=422, lang=lang, t=texts(lang), values=values, errors=errors)
    try:
        check_phone(report.reporter_phone)
    except RateLimited as exc:
        return _rate_limited_page(exc, lang)
    opened = open_ticket(UnitOfWork(), report=report.to_report(), channel="web", actor="reporter", via="ui")
    return render("report_done.html", status=201, lang=lang, t=texts(lang), reference=opened.reference)


def _rate_limited_page(exc: RateLimited, lang: str) -> HTMLResponse:
    title = "Please try again later" if lang == "en" else "Vui lòng thử lại sau"
    page = render("rate_limited.html", status=429, lang=lang, t=texts(lang), title=title,
                  message=exc.en if lang == "en" else exc.vi)
    page.headers["Retry-After"] = str(exc.retry_after)
    return page
