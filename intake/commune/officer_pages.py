"""The commune officers' pages: the commune's cases (`/xa`), a case with the child's and family's details,
its record and the forms of its current step (`/xa/ca/<reference>`), each form posted to
`/xa/ca/<reference>/<trigger>` and applied through the workflow service (`via="ui"`, the role from the
signed-in user).

Only commune roles come here, signed in (by SMS code, intake.commune.code_signin). Every view of a case
is an audited read with the identity (workflows.casework.queries.read_case); a case the officer's commune may not
see is a 404 like a missing one, and the attempt is audited (intake.people.guard). A form with mistakes
comes back with every field as typed and a message under each wrong one; a move the workflow refuses
says why, in Vietnamese.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from core.clock import utcnow
from core.db import UnitOfWork
from core.errors import HotlineError
from intake.commune.code_signin import SIGN_IN
from intake.commune.forms import FORMS, SERVICE_ROWS, chairs_decision, may_fill, offer_value, read_form
from intake.commune.officer_texts import officer_texts
from intake.commune.record_view import describe
from intake.console.common import at_local
from intake.console.texts import state_names
from intake.people.guard import Refused, audited, case_rule
from intake.people.sessions import Session
from intake.people.users import display_names
from intake.people.web import NO_STORE, current_session
from intake.web import words
from intake.web.forms import PostedForm
from intake.web.i18n import pick_language
from intake.web.referral_list import referral_context
from intake.web.templating import render
from routing import gazetteer
from workflows.access.audit import HiddenCase
from workflows.access.policy import COMMUNE_ROLES, Place, may_transition, may_view_identity
from workflows.case.facts import AREAS
from workflows.case.form01 import read_form01
from workflows.case.machine import allowed_triggers
from workflows.case.records import case_id_of, forms_of, intake_record_of
from workflows.casework.queries import commune_work_list, read_case
from workflows.casework.service import apply, open_ticket
from workflows.services.service import list_agencies
from workflows.services.taxonomy import taxonomy

router = APIRouter(include_in_schema=False)
MAX_FIELD = 6000  # longer than any field's own limit: the form's checks say what is too long


def _lang(request: Request) -> str:
    return pick_language(request)


def _suffix(lang: str) -> str:
    return "?lang=en" if lang == "en" else ""


def officer_session(request: Request) -> Session | None:
    session = current_session(request)
    return session if session is not None and session.user.role in COMMUNE_ROLES else None


def _sign_in_url(request: Request, reference: str | None = None) -> str:
    """The sign-in page, coming back to this case afterwards."""
    query = [f"next=/xa/ca/{reference}"] if reference and reference.isalnum() else []
    query += ["lang=en"] if _lang(request) == "en" else []
    return SIGN_IN + ("?" + "&".join(query) if query else "")


def _to_sign_in(request: Request, reference: str | None = None) -> Response:
    return RedirectResponse(_sign_in_url(request, reference), status_code=303)


def _render(request: Request, name: str, *, session: Session, status: int = 200, **context: Any) -> HTMLResponse:
    lang = _lang(request)
    commune = gazetteer.load().commune(session.user.commune or "")
    response = render(name, status=status, lang=lang, t=officer_texts(lang), states=state_names(lang),
                      suffix=_suffix(lang), other=("vi" if lang == "en" else "en"), user=session.user,
                      commune=commune.name if commune else "", csrf=session.csrf_token, path=request.url.path,
                      at_local=at_local, **words.helpers(lang), **context)
    response.headers.update(NO_STORE)
    return response


def _not_found(request: Request, session: Session) -> HTMLResponse:
    return _render(request, "commune/not_found.html", session=session, status=404)


def _expired(request: Request, reference: str | None) -> HTMLResponse:
    """The session ended while the form was being filled: nothing was saved; the browser's Back keeps
    what was typed, and signing in again comes back to the case."""
    lang = _lang(request)
    response = render("commune/expired.html", status=400, lang=lang, t=officer_texts(lang),
                      sign_in=_sign_in_url(request, reference))
    response.headers.update(NO_STORE)
    return response


@router.get("/xa")
def cases(request: Request) -> Response:
    session = officer_session(request)
    if session is None:
        return _to_sign_in(request)
    rows = commune_work_list(UnitOfWork(), commune_code=session.user.commune or "")
    return _render(request, "commune/cases.html", session=session, cases=rows)


def _offers(province: str | None, commune: str | None, lang: str) -> list[tuple[str, str]]:
    """What a plan line may ask for: each directory agency's services for this commune, and the 111 line's."""
    services = taxonomy().services

    def named(code: str) -> str:
        return services[code].en if lang == "en" else services[code].vi

    with UnitOfWork() as uow:
        agencies = list_agencies(uow.session, province_code=province or "--", commune_code=commune or "")
        offers = [(offer_value(a.id, code), f"{a.name}: {named(code)}") for a in agencies for code in a.services
                  if code in services]
    line = officer_texts(lang)["to_line"]
    return offers + [(offer_value(None, code), f"{line}: {named(code)}") for code in services if code != "follow_up"]


@router.get("/xa/bao-moi")
def new_report(request: Request) -> Response:
    session = officer_session(request)
    if session is None:
        return _to_sign_in(request)
    commune = gazetteer.load().commune(session.user.commune or "")
    return _render(request, "commune/report.html", session=session, errors={}, message=None,
                   values={"location": commune.name if commune else ""})


@router.post("/xa/bao-moi")
def record_report(request: Request, form: PostedForm) -> Response:
    """The commune's own Form 01 (issue 18 item 6): its T0 is when the commune or its police received the
    report; the case is the commune's own, routed to its team."""
    values = {k: str(v)[:MAX_FIELD] for k, v in form.items() if isinstance(v, str)}
    session = officer_session(request)
    if session is None or not session.csrf_ok(values.get("csrf_token")):
        return _expired(request, None)
    lang = _lang(request)
    errors: dict[str, tuple[str, str]] = {}
    if not values.get("received_elsewhere_at", "").strip():
        errors["received_elsewhere_at"] = ("Mục này bắt buộc", "This field is required")
    values_in = {**values, "commune_code": session.user.commune or "",
                 "received_elsewhere_by": "police" if session.user.role == "commune_police" else "commune"}
    read = read_form01(values_in, [], now=utcnow(), operator=session.user.username)
    errors.update(read.errors)
    if errors or read.report is None:
        return _render(request, "commune/report.html", session=session, status=422, values=values,
                       errors={k: (v[1] if lang == "en" else v[0]) for k, v in errors.items()},
                       message=officer_texts(lang)["fix"])
    try:
        opened = open_ticket(UnitOfWork(), report=read.report, channel="commune", actor=session.user.username,
                             via="ui")
    except HotlineError as problem:
        return _render(request, "commune/report.html", session=session, status=problem.status, values=values,
                       errors={}, message=problem.text(lang))
    return RedirectResponse(f"/xa/ca/{opened.reference}" + _suffix(lang), status_code=303)


def _actions(state: str, role: str, place: Place, session: Session) -> list[str]:
    who = session.user.principal()
    return [trigger for trigger in allowed_triggers(state)
            if may_fill(role, trigger) and may_transition(who, place, trigger)]


def _case_page(request: Request, session: Session, reference: str, *, status: int = 200,
               open_form: str | None = None, values: dict[str, str] | None = None,
               errors: dict[str, tuple[str, str]] | None = None, message: str | None = None) -> Response:
    who = session.user.principal()
    rule = case_rule(who, also=may_view_identity, object_kind="identity")
    try:
        with audited(who, action="identity", via="ui"):
            view = read_case(UnitOfWork(), reference=reference, reader=who.user, via="ui",
                             purpose="commune_case_view", may_see=rule, with_identity=True)
    except (HiddenCase, Refused):
        return _not_found(request, session)
    except HotlineError:
        return _not_found(request, session)
    with UnitOfWork() as uow:
        case_id = case_id_of(uow, view["reference"])
        assert case_id is not None
        records = forms_of(uow, case_id)
        intake = intake_record_of(uow, case_id)
    t = officer_texts(_lang(request))
    place = Place(line=view.get("line"), province=view.get("province_code"), commune=view.get("commune_code"),
                  home_commune=view.get("home_commune_code"))
    home = gazetteer.load().commune(view.get("home_commune_code") or "")
    lang = _lang(request)
    errors_text = {k: (v[1] if lang == "en" else v[0]) for k, v in (errors or {}).items()}
    deadlines = [tm for tm in view["timers"] if tm["fired_at"] is None and tm["cancelled_at"] is None
                 and tm["kind"] == "deadline"]
    done = request.query_params.get("done")
    if done in FORMS and message is None:
        message = t["done"].format(what=t["f_" + done])
    return _render(
        request, "commune/case.html", session=session, status=status, view=view, identity=view["identity"],
        intake=intake, home_commune=home.name if home else None, deadlines=deadlines,
        records=[(r, describe(r.content, t)) for r in records],
        names=display_names(UnitOfWork(), {r.recorded_by for r in records}),
        actions=_actions(view["state"], who.role, place, session), chairs=chairs_decision,
        open_form=open_form, values=values or {}, errors=errors_text, message=message,
        ok=status < 400 and done in FORMS, areas=AREAS, service_rows=range(SERVICE_ROWS),
        **referral_context(case_id, lang), offers=_offers(view.get("province_code"), view.get("commune_code"), lang),
        due=lambda iso: at_local(datetime.fromisoformat(iso)),
    )


@router.get("/xa/ca/{reference}")
def case_page(request: Request, reference: str) -> Response:
    session = officer_session(request)
    if session is None:
        return _to_sign_in(request, reference)
    return _case_page(request, session, reference)


@router.post("/xa/ca/{reference}/{trigger}")
def record_form(request: Request, reference: str, trigger: str, form: PostedForm) -> Response:
    values = {k: str(v)[:MAX_FIELD] for k, v in form.items() if isinstance(v, str)}
    session = officer_session(request)
    if session is None or not session.csrf_ok(values.get("csrf_token")):
        return _expired(request, reference)
    if trigger not in FORMS:
        return _not_found(request, session)
    t = officer_texts(_lang(request))
    posted = read_form(trigger, values)
    if not posted.ok:
        return _case_page(request, session, reference, status=422, open_form=trigger, values=values,
                          errors=posted.errors, message=t["fix"])
    who = session.user.principal()
    rule = case_rule(who, also=lambda w, place: may_transition(w, place, trigger))
    try:
        with audited(who, action=f"transition:{trigger}", via="ui"):
            case = apply(UnitOfWork(), reference=reference, trigger=trigger, actor=who.user, via="ui",
                         reason=posted.reason, facts=posted.facts, actor_role=who.role, allowed=rule)
    except (HiddenCase, Refused):
        return _not_found(request, session)
    except HotlineError as problem:
        if problem.status == 404:
            return _not_found(request, session)
        text = problem.text(_lang(request))
        errors = {problem.field: (problem.vi, problem.en)} if problem.field else {}
        return _case_page(request, session, reference, status=problem.status, open_form=trigger, values=values,
                          errors=errors, message=text)
    lang = _lang(request)
    return RedirectResponse(f"/xa/ca/{case.reference}?done={trigger}" + ("&lang=en" if lang == "en" else ""),
                            status_code=303)
