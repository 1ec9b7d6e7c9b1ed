"""/xa/dich-vu: the service directory as a commune officer chooses from it for a plan's service lines.

The agencies of the officer's commune, of its province and the national ones, with what each provides,
its hours and contacts (staff, in clear), and the number a plan line names (`agency_id`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from core.db import UnitOfWork
from intake.commune.officer_pages import SIGN_IN, officer_session
from intake.web.templating import render
from routing import gazetteer
from workflows.services.service import list_agencies
from workflows.services.taxonomy import LEVELS, taxonomy

router = APIRouter(tags=["commune"], include_in_schema=False)

TEXTS: dict[str, dict[str, str]] = {
    "vi": {"title": "Danh bạ dịch vụ bảo vệ trẻ em", "number": "Số trong kế hoạch", "services": "Dịch vụ",
           "hours": "Giờ làm việc", "contacts": "Liên hệ", "none": "Chưa có cơ sở nào trong danh bạ của xã và tỉnh.",
           "hint": "Ghi số của cơ sở vào dòng dịch vụ của kế hoạch; khi Chủ tịch phê duyệt, cơ sở nhận đề nghị.",
           "line": "Tổng đài 111 kết nối dịch vụ mà tỉnh không có.", "back": "Về danh sách ca", "other": "English"},
    "en": {"title": "Child protection service directory", "number": "Number in the plan", "services": "Services",
           "hours": "Hours", "contacts": "Contacts", "none": "No agency in the commune's or province's directory yet.",
           "hint": "Write the agency's number in the plan's service line; once the chair approves, it is asked.",
           "line": "The 111 line links services the province lacks.", "back": "Back to the cases",
           "other": "Tiếng Việt"},
}


@router.get("/xa/dich-vu")
def directory(request: Request) -> Response:
    session = officer_session(request)
    lang = "en" if request.query_params.get("lang") == "en" else "vi"
    if session is None:
        return RedirectResponse(SIGN_IN + ("?lang=en" if lang == "en" else ""), status_code=303)
    commune = gazetteer.load().commune(session.user.commune or "")
    services = taxonomy().services
    with UnitOfWork() as uow:
        agencies = list_agencies(uow.session, province_code=commune.province_code if commune else "--",
                                 commune_code=session.user.commune or "")
        rows = [{"id": a.id, "name": a.name, "level": LEVELS.get(a.level, (a.level, a.level))[lang == "en"],
                 "place": a.commune_name, "hours": a.hours,
                 "services": [(services[c].en if lang == "en" else services[c].vi) if c in services else c
                              for c in a.services],
                 "contacts": [(c.full_name, c.phone) for c in a.contacts]} for a in agencies]
    response: HTMLResponse = render("commune/directory.html", lang=lang, t=TEXTS[lang], agencies=rows,
                                    suffix="?lang=en" if lang == "en" else "",
                                    other="vi" if lang == "en" else "en")
    response.headers["Cache-Control"] = "no-store"
    return response
