"""Alerts for the hotline's operators: a row the console lists, and an SMS to the shift lead at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core import i18n
from core.db import UnitOfWork
from notifier.templates import shift_lead_sms
from routing.directory import load_shift_leads, load_supervisors
from workflows.case.effects import message
from workflows.case.models import Case
from workflows.team.models import OperatorAlert


def alert_operators(
    uow: UnitOfWork, case: Case, *, kind: str, now: datetime, message_vi: str, message_en: str,
    sms_shift_lead: bool = True, sms_what: str | None = None,
) -> OperatorAlert:
    """Keep the alert for the console; text the shift leads (else the province supervisors) now.

    No child's or reporter's identity goes in: the reference, the commune, what happened.
    """
    alert = OperatorAlert(case_id=case.id, kind=kind, message=f"{message_vi} / {message_en}", created_at=now)
    uow.session.add(alert)
    if sms_shift_lead:
        body = shift_lead_sms(reference=case.reference, what=sms_what or _alert_what(kind), since=now)
        phones = [s.phone for s in load_shift_leads(uow.session)]
        if not phones and case.province_code:
            phones = [s.phone for s in load_supervisors(uow.session, case.province_code)]
        for phone in phones:
            message(uow, case, to=phone, purpose="alert", now=now, body=body)
    return alert


def open_alerts(uow: UnitOfWork, *, limit: int = 200) -> list[dict[str, object]]:
    """What the console shows: unresolved alerts, oldest first."""
    rows = uow.session.execute(
        select(OperatorAlert, Case.reference).join(Case, Case.id == OperatorAlert.case_id)
        .where(OperatorAlert.resolved_at.is_(None)).order_by(OperatorAlert.created_at).limit(limit)).all()
    return [{"id": a.id, "reference": ref, "kind": a.kind, "message": a.message,
             "created_at": a.created_at.isoformat()} for a, ref in rows]


def alerts_of(uow: UnitOfWork, case: Case) -> list[dict[str, object]]:
    rows = uow.session.execute(select(OperatorAlert).where(OperatorAlert.case_id == case.id)
                               .order_by(OperatorAlert.id)).scalars()
    return [{"kind": a.kind, "message": a.message, "created_at": a.created_at.isoformat(),
             "resolved_at": a.resolved_at and a.resolved_at.isoformat()} for a in rows]


def _alert_what(kind: str) -> str:
    """What the shift lead's SMS says happened, in words (never the alert's kind)."""
    words = i18n.texts("vi", "sms")
    return words.get(f"alert_{kind}", words["alert_other"])
