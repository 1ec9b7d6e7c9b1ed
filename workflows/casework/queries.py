"""Reading cases. Every read of a case by a person is audited in the same transaction."""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from core.clock import as_utc, utcnow
from core.crypto import UNREADABLE_JSON, Unreadable
from core.db import UnitOfWork
from core.errors import InvalidInput
from core.ids import normalise_reference
from workflows.access.audit import HiddenCase, missing_case
from workflows.case.age_bands import OVER_16
from workflows.case.machine import TERMINAL
from workflows.case.models import Case, CaseRead
from workflows.escalation.ladders import ladders_of
from workflows.escalation.ladders import view as ladder_view
from workflows.team.alerts import alerts_of

log = logging.getLogger(__name__)
PROTECTED = ("description", "location_text", "child_name", "child_age", "reporter_name", "reporter_phone")


def read_case(
    uow: UnitOfWork, *, reference: str, reader: str, via: str, purpose: str,
    may_see: Callable[[Case], bool], with_identity: bool = False,
) -> dict[str, Any]:
    with uow:
        s = uow.session
        case = s.execute(select(Case).where(Case.reference == normalise_reference(reference))).scalar_one_or_none()
        if case is None:
            raise missing_case(reference)
        if not may_see(case):
            raise HiddenCase(reference, case_id=case.id)  # like a missing case; the front door audits it
        s.add(CaseRead(case_id=case.id, reader=reader, via=via, purpose=purpose, at=utcnow()))
        if with_identity:  # seeing who the child and the reporter are is its own audit record
            s.add(CaseRead(case_id=case.id, reader=reader, via=via, purpose="identity_view", at=utcnow()))
        view = case_view(case, with_identity=with_identity)
        _log_unreadable(case)
        view["ladders"] = [ladder_view(row) for row in ladders_of(uow, case)]
        view["alerts"] = alerts_of(uow, case)
        uow.commit()
        return view


def case_view(case: Case, *, with_identity: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "reference": case.reference, "line": case.line, "state": case.state, "urgency": case.urgency,
        "category": case.category, "risk_level": case.risk_level, "immediate_danger": case.immediate_danger,
        "received_at": case.received_at.isoformat(), "province_code": case.province_code,
        "commune_code": case.commune_code, "commune": case.commune_name, "team_id": case.team_id,
        "home_commune_code": case.home_commune_code,
        "routing": case.decisions[-1].decision if case.decisions else None,
        "timers": [
            {"id": t.id, "clock": t.clock, "kind": t.kind, "due_at": t.due_at.isoformat(),
             "fired_at": t.fired_at and t.fired_at.isoformat(),
             "cancelled_at": t.cancelled_at and t.cancelled_at.isoformat(),
             "reminded_at": t.reminded_at and t.reminded_at.isoformat()}
            for t in case.timers
        ],
        "history": [
            {"at": h.at.isoformat(), "actor": h.actor, "via": h.via, "event": h.event,
             "from": h.from_state, "to": h.to_state, "reason": h.reason,
             **({"facts": h.facts} if with_identity and h.facts else {})}
            for h in case.history
        ],
    }
    view["breaches"] = [h for h in view["history"] if h["event"] == "sla_breached"]
    view["over_16"] = case.child_age_band == OVER_16  # the band is kept in clear (no identity)
    if with_identity:
        view["identity"] = {
            "description": case.description, "location": case.location_text, "child_name": case.child_name,
            "child_age": case.child_age, "child_sex": case.child_sex, "reporter_name": case.reporter_name,
            "reporter_phone": case.reporter_phone if case.consent_to_contact else None,
        }
    return view


def _log_unreadable(case: Case) -> None:
    """A value no key opens reads as a marker; the row ids go to the log (never the values)."""
    fields = [name for name in PROTECTED if isinstance(getattr(case, name), Unreadable)]
    fields += [f"case_history[{h.id}].reason" for h in case.history if isinstance(h.reason, Unreadable)]
    fields += [f"case_history[{h.id}].facts" for h in case.history if h.facts == UNREADABLE_JSON]
    fields += [f"route_records[{d.id}].decision" for d in case.decisions if d.decision == UNREADABLE_JSON]
    if fields:
        log.error("case id %s: cannot decrypt %s (a key missing from HOTLINE_DATA_KEYS?)", case.id, ", ".join(fields))


def cases_in_state(uow: UnitOfWork, *, state: str, limit: int = 200) -> list[dict[str, Any]]:
    """The first page of a work list (kept for callers that want a plain list)."""
    return cases_page(uow, state=state, limit=limit).items


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def cases_page(
    uow: UnitOfWork, *, state: str, limit: int = 50, cursor: str | None = None, province_code: str | None = None,
) -> Page:
    """One page of a work list, oldest first; `next_cursor` continues after its last row (keyset paging).

    The cursor is opaque to callers: the (received_at, id) of the last row, so a case arriving
    meanwhile neither shifts nor repeats a page.
    """
    stmt = select(Case).where(Case.state == state)
    if province_code is not None:
        stmt = stmt.where(Case.province_code == province_code)
    if cursor:
        after_at, after_id = _read_cursor(cursor)
        stmt = stmt.where(or_(Case.received_at > after_at, and_(Case.received_at == after_at, Case.id > after_id)))
    with uow:
        rows = list(uow.session.execute(stmt.order_by(Case.received_at, Case.id).limit(limit + 1)).scalars())
        more = len(rows) > limit
        rows = rows[:limit]
        items = [_listed(c) for c in rows]
        next_cursor = _make_cursor(rows[-1].received_at, rows[-1].id) if more and rows else None
        return Page(items, next_cursor)


def _listed(c: Case) -> dict[str, Any]:
    return {"reference": c.reference, "state": c.state, "urgency": c.urgency,
            "received_at": c.received_at.isoformat(), "line": c.line, "province_code": c.province_code,
            "commune_code": c.commune_code, "commune": c.commune_name}


def _make_cursor(received_at: datetime, case_id: int) -> str:
    raw = f"{as_utc(received_at).isoformat()}|{case_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, case_id = raw.partition("|")
        return as_utc(datetime.fromisoformat(at)), int(case_id)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise InvalidInput("Con trỏ trang không hợp lệ", "Invalid page cursor", field="cursor") from exc


def commune_work_list(uow: UnitOfWork, *, commune_code: str, limit: int = 100) -> list[dict[str, Any]]:
    """The open cases of a commune: those that happened there and those of children who live there.

    No identities: the list is a page's index; opening a case is the audited read.
    """
    stmt = (select(Case).where(or_(Case.commune_code == commune_code, Case.home_commune_code == commune_code),
                               Case.state.not_in(TERMINAL))
            .order_by(Case.received_at.desc(), Case.id.desc()).limit(limit))
    with uow:
        return [{**_listed(c), "home": c.commune_code != commune_code, **_next_deadline(c)}
                for c in uow.session.execute(stmt).scalars()]


def _next_deadline(case: Case) -> dict[str, Any]:
    """The case's next open deadline (its clock and when it falls due), or none."""
    open_ = [t for t in case.timers if t.kind == "deadline" and t.fired_at is None and t.cancelled_at is None]
    first = min(open_, key=lambda t: as_utc(t.due_at), default=None)
    return {"next_clock": first.clock if first else None,
            "next_due_at": as_utc(first.due_at).isoformat() if first else None}
