"""/xa/dich-vu: the service directory as a commune officer chooses from it for a plan's service lines.

The agencies of the officer's commune, of its province and the national ones, with what each provides,
its hours and contacts (staff, in clear), and the number a plan line names (`agency_id`).
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from core import i18n
from core.db import UnitOfWork
from intake.commune.officer_pages import SIGN_IN, officer_session
from intake.web.templating import render
from routing import gazetteer
from workflows.services.service import list_agencies
from workflows.services.taxonomy import LEVELS, taxonomy

router = APIRouter(tags=["commune"], include_in_schema=False)



def _texts(lang: str) -> Mapping[str, str]:
    """The page's words: the catalogs' `directory_page.*` messages (Vietnamese for any other language)."""
    return i18n.texts(lang, "directory_page")


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
    response: HTMLResponse = render("commune/directory.html", lang=lang, t=_texts(lang), agencies=rows,
                                    suffix="?lang=en" if lang == "en" else "",
                                    other="vi" if lang == "en" else "en")
    response.headers["Cache-Control"] = "no-store"
    return response
