"""Web reports: the partner JSON API and the public form, both into workflows.open_ticket."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from core import i18n
from core.crypto import blind_index
from core.db import UnitOfWork
from core.errors import InvalidInput
from intake.api.problems import field_errors, problem_responses
from intake.api.ratelimit import RateLimited, check_intake
from intake.api.report_input import ApiReportIn, ReportAccepted, ReportIn
from intake.people.auth import partner_or_public
from intake.web.forms import PostedForm
from intake.web.i18n import pick_language, texts
from intake.web.templating import render
from workflows.access.policy import Principal
from workflows.case.age_bands import OVER_16_NOTICE, over_16
from workflows.casework.service import open_ticket

router = APIRouter()


@router.post(
    "/api/v1/reports", status_code=201, response_model=ReportAccepted,
    summary="Gửi báo cáo về trẻ em cần bảo vệ / Submit a report",
    responses={200: {"model": ReportAccepted, "description": "Gửi lại cùng Idempotency-Key và cùng nội dung: "
                     "câu trả lời đầu tiên / a retry with the same key and body: the first answer"},
               **problem_responses(401, 422, 429)},
)
def submit_report(
    request: Request,
    report: ApiReportIn,
    partner: Annotated[Principal | None, Depends(partner_or_public)],
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=64, description=(
        "Một khóa cho một báo cáo: gửi lại cùng khóa và cùng nội dung nhận lại câu trả lời đầu; khóa đã dùng "
        "cho nội dung khác bị từ chối (422). / One key per report; a different body under a used key is a 422."
    ))] = None,
) -> Any:
    if partner is None and report.received_elsewhere_at is not None:
        # an earlier receipt moves T0 and every legal clock: only a partner with its own token records one
        raise InvalidInput("Chỉ đối tác có mã truy cập riêng (xã, công an, đường dây khác) mới ghi được thời điểm "
                           "tiếp nhận trước", "Only a partner with its own token (a commune, the police, another "
                           "line) may record an earlier receipt", field="received_elsewhere_at")
    check_intake(request, report.reporter_phone)  # both limits, one round trip
    opened = open_ticket(UnitOfWork(), report=report.to_report(), channel="api",
                         external_id=idempotency_hash(idempotency_key) if idempotency_key else None,
                         request_hash=report.fingerprint() if idempotency_key else None,
                         actor=f"partner:{partner.user}" if partner else "public", via="api")
    vi, en = OVER_16_NOTICE if over_16(report.child_age) else (None, None)
    body = ReportAccepted(reference=opened.reference, status=opened.state, notice=vi, notice_en=en).model_dump(
        exclude_none=True)
    return JSONResponse(body, status_code=201 if opened.created else 200)


def idempotency_hash(key: str) -> str:
    """Keys are stored hashed (keyed), never in clear: a partner's key may carry its own case number."""
    return blind_index(f"idempotency-key:{key}")


@router.get("/bao-cao", response_class=HTMLResponse, include_in_schema=False)
def report_form(request: Request) -> HTMLResponse:
    lang = pick_language(request)
    return render("report_form.html", lang=lang, t=texts(lang), values={}, errors={})


@router.post("/bao-cao", response_class=HTMLResponse, include_in_schema=False)
def report_form_submit(request: Request, form: PostedForm) -> HTMLResponse:
    lang = pick_language(request)
    uploads = [k for k, v in form.multi_items() if isinstance(v, UploadFile)]
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    if uploads:  # the form has no file box: a file part is refused, never stored as text
        vi, en = i18n.gettext("vi", "problem.upload"), i18n.gettext("en", "problem.upload")
        errors = dict.fromkeys(uploads, vi if lang == "vi" else en)
        return render("report_form.html", status=422, lang=lang, t=texts(lang), values=values, errors=errors)
    data = {**values, "immediate_danger": "immediate_danger" in values,
            "consent_to_contact": "consent_to_contact" in values}
    if not data.get("child_age"):
        data.pop("child_age", None)
    elif data["child_age"].strip().isascii() and data["child_age"].strip().isdecimal():
        data["child_age"] = int(data["child_age"])  # the form's box is text; the API takes a number only
    try:
        report = ReportIn.model_validate(data)
    except ValidationError as exc:
        errors = {e["field"]: e["message" if lang == "vi" else "message_en"] for e in field_errors(exc.errors())}
        return render("report_form.html", status=422, lang=lang, t=texts(lang), values=values, errors=errors)
    try:
        check_intake(request, report.reporter_phone)  # both limits, one round trip
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
