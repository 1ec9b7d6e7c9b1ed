"""Reading referrals for the pages, the board, the statistics and the export: no identities, no changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import i18n
from workflows.case.models import Case
from workflows.referrals.models import OPEN_STATES, Referral
from workflows.referrals.service import due_moment, service_name
from workflows.services.models import Agency

LINE_NAME = ("Tổng đài 111", "The 111 line")
TASK_NAME = ("Việc của xã", "The commune's own task")


@dataclass(frozen=True)
class ReferralLine:
    reference: str
    case_reference: str
    service: str  # its name, in the reader's language
    service_code: str
    agency: str
    state: str  # its name, in the reader's language
    state_code: str
    respond_by: datetime
    due_on: date
    late: bool
    breached: bool
    kind: str = "referral"
    service_detail: str | None = None  # a task: what the plan says to do (shown to staff who may see the case)


def _lines(session: Session, rows: list[tuple[Referral, str]], *, now: datetime, language: str) -> list[ReferralLine]:
    en = language == "en"
    ids = {r.agency_id for r, _ in rows if r.agency_id}
    names = {a.id: a.name for a in session.execute(select(Agency).where(Agency.id.in_(ids))).scalars()} if ids else {}
    out = []
    for referral, case_ref in rows:
        deadline = referral.respond_by if referral.state == "sent" else due_moment(referral.due_on)
        late = referral.state in OPEN_STATES and deadline <= now
        out.append(ReferralLine(
            reference=referral.reference, case_reference=case_ref, service=service_name(referral.service, language),
            service_code=referral.service,
            agency=TASK_NAME[en] if referral.kind == "task" else
            names.get(referral.agency_id, "") if referral.agency_id else LINE_NAME[en],
            kind=referral.kind, service_detail=referral.reason if referral.kind == "task" else None,
            state=i18n.texts(language, "referral_state").get(referral.state, referral.state),
            state_code=referral.state,
            respond_by=referral.respond_by, due_on=referral.due_on, late=late,
            breached=referral.breached_at is not None))
    return out


def referrals_of_case(session: Session, case_id: int, *, now: datetime, language: str = "vi") -> list[ReferralLine]:
    rows = session.execute(select(Referral, Case.reference).join(Case, Case.id == Referral.case_id)
                           .where(Referral.case_id == case_id).order_by(Referral.id)).all()
    return _lines(session, [(r, ref) for r, ref in rows], now=now, language=language)


def late_referrals(session: Session, *, now: datetime, province_codes: list[str] | None = None,
                   language: str = "vi", limit: int = 200) -> list[ReferralLine]:
    """Open referrals past their answer or due time, oldest first (for the supervisor board)."""
    stmt = (select(Referral, Case.reference).join(Case, Case.id == Referral.case_id)
            .where(Referral.state.in_(OPEN_STATES), Referral.breached_at.is_not(None))
            .order_by(Referral.breached_at).limit(limit))
    if province_codes is not None:
        stmt = stmt.where(Case.province_code.in_(province_codes))
    return _lines(session, [(r, ref) for r, ref in session.execute(stmt).all()], now=now, language=language)


@dataclass(frozen=True)
class ReferralFigures:
    by_service: dict[str, int]
    by_outcome: dict[str, int]  # service code / state
    accept_hours: list[float]  # from sending to acceptance, one per accepted referral


def referral_figures(session: Session, *, since: datetime, until: datetime, province: str | None = None,
                     commune: str | None = None) -> ReferralFigures:
    """Referrals made in [since, until) for a scope: by service, by service and outcome, time to accept."""
    stmt = (select(Referral.service, Referral.state, Referral.created_at, Referral.accepted_at)
            .join(Case, Case.id == Referral.case_id)
            .where(Referral.kind == "referral", Referral.created_at >= since, Referral.created_at < until))
    if province:
        stmt = stmt.where(Case.province_code == province)
    if commune:
        stmt = stmt.where(Case.commune_code == commune)
    by_service: dict[str, int] = {}
    by_outcome: dict[str, int] = {}
    hours: list[float] = []
    for service, state, created, accepted in session.execute(stmt).all():
        by_service[service] = by_service.get(service, 0) + 1
        key = f"{service}/{state}"
        by_outcome[key] = by_outcome.get(key, 0) + 1
        if accepted is not None:
            hours.append((accepted - created).total_seconds() / 3600)
    return ReferralFigures(dict(sorted(by_service.items())), dict(sorted(by_outcome.items())), sorted(hours))


def referrals_for_export(session: Session, case_ids: list[int]) -> dict[int, list[dict[str, object]]]:
    """What the national export carries per case: service, agency level, state, dates; no free text."""
    if not case_ids:
        return {}
    rows = session.execute(select(Referral, Agency.level).outerjoin(Agency, Agency.id == Referral.agency_id)
                           .where(Referral.case_id.in_(case_ids), Referral.kind == "referral")
                           .order_by(Referral.id)).all()
    out: dict[int, list[dict[str, object]]] = {}
    for referral, level in rows:
        out.setdefault(referral.case_id, []).append({
            "service": referral.service, "taxonomy_version": referral.taxonomy_version,
            "agency_level": level or "line", "state": referral.state, "due_on": referral.due_on.isoformat(),
            "sent_at": referral.created_at.isoformat(),
            "accepted_at": referral.accepted_at.isoformat() if referral.accepted_at else None,
            "done_at": referral.done_at.isoformat() if referral.done_at else None,
        })
    return out
