"""The statistics page `/thong-ke` and its downloads (`/thong-ke.csv`, `/thong-ke.xlsx`).

Signed-in people only. The scope is the person's own unless they ask for another one they may see
(`may_view_statistics`); anything else answers 404, exactly like a page that does not exist. The page,
the CSV and the XLSX are the same `workflows.supervision.statistics.statistics()` output, so their numbers agree.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from core.clock import local, utcnow
from core.db import UnitOfWork, unit_of_work
from core.errors import HotlineError, InvalidInput
from intake.board.charts import bar_chart
from intake.console.common import not_found, to_sign_in
from intake.people.web import current_session, session_for_form
from intake.web.templating import render
from workflows.access.audit import record_denial
from workflows.access.policy import Principal, may_view_statistics
from workflows.supervision.closed_export import closed_cases
from workflows.supervision.report_reminders import mark_submitted
from workflows.supervision.report_status import DeadlineStatus, owed_deadlines, submission_status
from workflows.supervision.statistics import REFERRAL_STEP, STEPS, Period, Scope, Statistics, statistics

router = APIRouter(include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}
CODE = r"^[0-9]*$"


def default_scope(who: Principal) -> Scope:
    if who.role == "province_supervisor":
        return Scope(province=who.province)
    if who.role in {"commune_officer", "commune_chair"}:
        return Scope(commune=who.commune)
    return Scope()


def default_period(today: date) -> Period:
    """The current half-year: January to June, or July to December."""
    start = date(today.year, 1 if today.month <= 6 else 7, 1)
    return Period(start, today)


def _asked(request: Request, start: date | None, end: date | None, province: str, commune: str
           ) -> tuple[Principal, Period, Scope] | Response:
    session = current_session(request)
    if session is None:
        return to_sign_in(request)
    who = session.user.principal()
    scope = Scope(province=province or None, commune=commune or None) if (province or commune) else default_scope(who)
    if not may_view_statistics(who, province=scope.province, commune=scope.commune):
        record_denial(UnitOfWork(), who=who, object_kind="statistics", object_id=None, via="ui",
                      action=f"{request.url.path} {scope.label}")
        return not_found(request, session)  # a page, like any page that is not there
    fallback = default_period(local(utcnow()).date())
    period = Period(start or fallback.start, end or fallback.end)
    # The first and the last day a date can hold have no Vietnam midnight in UTC (Period.bounds).
    if (period.end < period.start or (period.end - period.start).days > 3660 or period.start == date.min
            or period.end == date.max):
        raise InvalidInput("Khoảng thời gian không hợp lệ: ngày bắt đầu không được sau ngày kết thúc, và cả khoảng "
                           "không quá 10 năm.",
                           "Invalid period: the start may not be after the end, and the whole period is at most 10 "
                           "years.", field="tu")
    return who, period, scope


def _submissions(scope: Scope) -> list[DeadlineStatus]:
    with unit_of_work() as uow:
        return submission_status(uow.session, province=scope.province, commune=scope.commune,
                                 today=local(utcnow()).date())


def _owed(unit: tuple[str, str] | None) -> list[date]:
    if unit is None:
        return []
    with unit_of_work() as uow:
        return owed_deadlines(uow.session, level=unit[0], code=unit[1], today=local(utcnow()).date())


def _own_unit(who: Principal) -> tuple[str, str] | None:
    """The unit whose report this person hands in: their commune, or their province."""
    if who.role in {"commune_officer", "commune_chair"} and who.commune:
        return "commune", who.commune
    if who.role == "province_supervisor" and who.province:
        return "province", who.province
    return None


def _figures(period: Period, scope: Scope) -> Statistics:
    with unit_of_work() as uow:
        return statistics(uow.session, period=period, scope=scope)


def rows(found: Statistics) -> list[tuple[str, str, str]]:
    """(table, key, value) rows: the CSV and the XLSX, in the same order as the page."""
    out = [("total", "contacts", str(found.contacts_total)), ("total", "cases", str(found.cases_total))]
    for key, _title, counts in found.tables():
        out.extend((key, label, str(n)) for label, n in counts.items())
    for d in found.durations:
        out.append(("durations_count", d.step, str(d.count)))
        out.append(("durations_median_hours", d.step, "" if d.median_hours is None else str(d.median_hours)))
        out.append(("durations_p90_hours", d.step, "" if d.p90_hours is None else str(d.p90_hours)))
    return out


Start = Annotated[date | None, Query(alias="tu")]
End = Annotated[date | None, Query(alias="den")]
Province = Annotated[str, Query(alias="tinh", max_length=2, pattern=CODE)]
Commune = Annotated[str, Query(alias="xa", max_length=5, pattern=CODE)]


@router.get("/thong-ke", response_class=HTMLResponse)
def statistics_page(request: Request, start: Start = None, end: End = None, province: Province = "",
                    commune: Commune = "") -> Response:
    asked = _asked(request, start, end, province, commune)
    if isinstance(asked, Response):
        return asked
    who, period, scope = asked
    found = _figures(period, scope)
    session = current_session(request)
    query = f"tu={period.start.isoformat()}&den={period.end.isoformat()}&tinh={scope.province or ''}" \
            f"&xa={scope.commune or ''}"
    charts = [(title, counts, bar_chart(counts, title=title)) for _key, title, counts in found.tables()]
    steps = {step: (vi, en) for step, vi, en in (*STEPS, REFERRAL_STEP)}
    own = _own_unit(who)
    page = render("statistics.html", lang="vi", found=found, period=period, scope=scope, charts=charts,
                  steps=steps, query=query, deadlines=_submissions(scope), own=own, owed=_owed(own),
                  csrf=session.csrf_token if session else "")
    page.headers.update(NO_STORE)
    return page


@router.get("/thong-ke.csv")
def statistics_csv(request: Request, start: Start = None, end: End = None, province: Province = "",
                   commune: Commune = "") -> Response:
    asked = _asked(request, start, end, province, commune)
    if isinstance(asked, Response):
        return asked
    _who, period, scope = asked
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["table", "key", "value"])
    writer.writerows(rows(_figures(period, scope)))
    name = f"thong-ke-{scope.label}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/thong-ke.xlsx")
def statistics_xlsx(request: Request, start: Start = None, end: End = None, province: Province = "",
                    commune: Commune = "") -> Response:
    from openpyxl import Workbook

    asked = _asked(request, start, end, province, commune)
    if isinstance(asked, Response):
        return asked
    _who, period, scope = asked
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "thong-ke"
    sheet.append(["Phạm vi / scope", scope.label, "Từ / from", period.start.isoformat(), "Đến / to",
                  period.end.isoformat()])
    sheet.append(["table", "key", "value"])
    for table, key, value in rows(_figures(period, scope)):
        sheet.append([table, key, float(value) if "." in value else int(value) if value else None])
    data = io.BytesIO()
    book.save(data)
    name = f"thong-ke-{scope.label}-{period.start.isoformat()}-{period.end.isoformat()}.xlsx"
    return Response(data.getvalue(),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/thong-ke/da-nop")
def report_submitted(request: Request, csrf_token: Annotated[str, Form(max_length=200)] = "",
                     deadline: Annotated[str, Form(alias="han", max_length=10)] = "") -> Response:
    """The signed-in officer, chair or supervisor hands in their unit's report for one deadline it owes
    (the one missed first, or the next one)."""
    session = session_for_form(request, csrf_token)
    if session is None:
        raise HotlineError("Biểu mẫu đã hết hạn; xin tải lại trang rồi làm lại.",
                           "The form has expired; please reload the page and do it again.")
    who = session.user.principal()
    unit = _own_unit(who)
    if unit is None:
        raise HTTPException(status_code=404)
    owed = _owed(unit)
    chosen = next((due for due in owed if due.isoformat() == deadline), None)
    if chosen is None:
        raise HotlineError("Kỳ báo cáo này không còn chờ nộp.", "This report is not awaited any more.")
    mark_submitted(UnitOfWork(), level=unit[0], unit_code=unit[1], by=who.user, now=utcnow(), deadline=chosen)
    return RedirectResponse("/thong-ke", status_code=303)


@router.get("/thong-ke/ca-da-dong.csv")
def closed_cases_csv(request: Request, start: Start = None, end: End = None, province: Province = "",
                     commune: Commune = "") -> Response:
    """Closed cases for the national child database; identities only for whom may see them."""
    asked = _asked(request, start, end, province, commune)
    if isinstance(asked, Response):
        return asked
    who, period, scope = asked
    out = io.StringIO()
    csv.writer(out).writerows(closed_cases(UnitOfWork(), who=who, period=period, scope=scope))
    name = f"ca-da-dong-{scope.label}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'})
