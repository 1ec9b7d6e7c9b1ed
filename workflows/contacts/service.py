"""Contacts before cases: open one for whatever arrived, then make it a case, join it to one, or close it.

Every front door (voice, SMS, Zalo, the web form, the partner API) opens a contact at once; an
operator decides what it becomes. A caller's contacts are linked by a keyed hash of their number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select

from core.crypto import blind_index
from core.db import UnitOfWork, for_update, insert_unless_taken
from core.errors import Conflict, InvalidInput, NotFound
from core.ids import new_reference, normalise_reference
from workflows.case.effects import record
from workflows.case.models import Case, CaseHistory
from workflows.contacts.lines import DEFAULT_LINE
from workflows.contacts.models import NON_CASE_OUTCOMES, IntakeContact

_CONTACTS = cast(Table, IntakeContact.__table__)  # the same table, for Core statements
_CONTACT_BY_KEY = select(_CONTACTS.c.id).where(
    _CONTACTS.c.channel == bindparam("channel"), _CONTACTS.c.external_id == bindparam("external_id"))


def caller_index(address: str | None) -> str | None:
    """The keyed hash that links a caller's contacts; the number itself is never stored."""
    return blind_index(address) if address else None


def find_contact(uow: UnitOfWork, *, channel: str, external_id: str, lock: bool = False) -> IntakeContact | None:
    s = uow.session
    stmt = select(IntakeContact).where(IntakeContact.channel == channel, IntakeContact.external_id == external_id)
    return s.execute(for_update(s, stmt) if lock else stmt).scalar_one_or_none()


@dataclass(frozen=True)
class NewContact:
    id: int
    reference: str


def open_contact(
    uow: UnitOfWork, *, channel: str, external_id: str, caller: str | None, now: datetime, line: str = DEFAULT_LINE,
    **columns: Any,
) -> tuple[IntakeContact, bool]:
    """The contact for (channel, external_id), created once (with `columns` set); True when this call created it.

    A retried webhook finds the first one (locked); two at the same moment are told apart by the unique key.
    """
    created = insert_contact(uow, channel=channel, external_id=external_id, index=caller_index(caller), now=now,
                             line=line, **columns)
    if created is None:
        found = find_contact(uow, channel=channel, external_id=external_id, lock=True)
        assert found is not None  # the unique key said it is there, and contacts are never deleted
        return found, False
    contact = uow.session.get(IntakeContact, created.id)
    assert contact is not None
    return contact, True


def insert_contact(
    uow: UnitOfWork, *, channel: str, external_id: str, index: str | None, now: datetime, line: str = DEFAULT_LINE,
    **columns: Any,
) -> NewContact | None:
    """Insert the contact for (channel, external_id) in one statement; None when it exists already.

    `INSERT ... ON CONFLICT DO NOTHING RETURNING id`: no SELECT first, no savepoint. A reference already
    taken (1 in 6e9) also inserts nothing; then the same (channel, external_id) is not there, and we go again.
    """
    stmt = insert_unless_taken(uow.session, _CONTACTS, returning=("id", "reference"))
    connection = uow.session.connection()
    for _ in range(3):
        values = {"reference": new_reference(prefix="LH"), "line": line, "channel": channel,
                  "external_id": external_id, "caller_index": index, "started_at": now, **columns}
        created = connection.execute(stmt, values).first()
        if created is not None:
            return NewContact(id=int(created.id), reference=str(created.reference))
        if connection.execute(_CONTACT_BY_KEY, {"channel": channel, "external_id": external_id}).first() is not None:
            return None
    raise RuntimeError("no free contact reference after three tries")


def lock_contact(uow: UnitOfWork, reference_or_id: str | int) -> IntakeContact:
    s = uow.session
    if isinstance(reference_or_id, int):
        stmt = select(IntakeContact).where(IntakeContact.id == reference_or_id)
    else:
        stmt = select(IntakeContact).where(IntakeContact.reference == normalise_reference(reference_or_id))
    contact = s.execute(for_update(s, stmt)).scalar_one_or_none()
    if contact is None:
        raise NotFound(f"Không tìm thấy liên hệ {reference_or_id}", f"No contact {reference_or_id}", field="contact")
    return contact


def close_contact(
    uow: UnitOfWork, *, contact: str | int, outcome: str, actor: str, now: datetime, topic: str | None = None,
    reason: str | None = None, confirmed: bool = False,
) -> IntakeContact:
    """End a contact that is not a case: counselling (with its topic), information, silent, prank, ...

    A contact that said a child is in danger now closes without a case only when the operator confirms
    it and says why (the reason is kept with the contact)."""
    if outcome not in NON_CASE_OUTCOMES:
        raise InvalidInput("Hãy chọn kết quả của liên hệ.", "Choose the contact's outcome.", field="outcome")
    with uow:
        row = lock_contact(uow, contact)
        _still_open(row)
        if row.danger_now and (not confirmed or len((reason or "").strip()) < 3):
            raise InvalidInput("Liên hệ này báo trẻ đang gặp nguy hiểm: muốn kết thúc mà không lập ca, hãy xác nhận "
                               "và ghi lý do.",
                               "This contact says a child is in danger now: to close it without a case, confirm "
                               "and give the reason.", field="close_reason")
        row.close_reason = (reason or "").strip() or None
        row.outcome, row.outcome_topic, row.state, row.closed_by = outcome, topic, "closed", actor
        row.ended_at = row.ended_at or now
        uow.commit()
        return row


def merge_into_case(
    uow: UnitOfWork, *, contact: str | int, case_reference: str, actor: str, now: datetime,
    allowed: Callable[[Case], bool] | None = None,
) -> Case:
    """A duplicate report: the contact joins the case it is about (one the actor may see: `allowed`)."""
    with uow:
        row = lock_contact(uow, contact)
        _still_open(row)
        # Locked: a merge of this case into another, at the same moment, commits first or waits for this join.
        s = uow.session
        asked_for = select(Case).where(Case.reference == normalise_reference(case_reference))
        case = s.execute(for_update(s, asked_for).execution_options(populate_existing=True)).scalar_one_or_none()
        if case is None or (allowed is not None and not allowed(case)):
            raise NotFound(f"Không tìm thấy ca {case_reference}", f"No case {case_reference}", field="case")
        asked, case = case.reference, surviving_case(uow, case, allowed=allowed)
        row.outcome, row.case_id, row.state, row.closed_by = "merged", case.id, "closed", actor
        row.ended_at = row.ended_at or now
        facts = {"contact": row.reference} | ({"asked": asked} if asked != case.reference else {})
        record(case, event="contact_joined", actor=actor, via="ui", now=now, facts=facts)
        uow.commit()
        return case


MERGE_HOPS = 10  # a duplicate merged into a case that was itself merged later, and so on


def surviving_case(uow: UnitOfWork, case: Case, *, allowed: Callable[[Case], bool] | None = None) -> Case:
    """The case a duplicate lives on in: a case merged into another is followed there (its `merge_duplicate`
    move names the target), so what joins it is not left on a closed duplicate. One the asker may not see
    (`allowed`) is refused, without naming it."""
    asked = case.reference
    for _ in range(MERGE_HOPS):
        if case.state != "merged":
            return case
        facts = uow.session.execute(
            select(CaseHistory.facts).where(CaseHistory.case_id == case.id, CaseHistory.event == "merge_duplicate")
            .order_by(CaseHistory.id.desc()).limit(1)).scalar_one_or_none()
        into = (facts or {}).get("into")
        target = uow.session.execute(select(Case).where(Case.reference == into)).scalar_one_or_none() \
            if isinstance(into, str) else None
        if target is None:
            break
        case = target
    if case.state == "merged":
        raise Conflict(f"Ca {case.reference} đã được gộp vào ca khác", f"Case {case.reference} was merged",
                       field="case")
    if allowed is not None and not allowed(case):
        raise Conflict(f"Ca {asked} đã được gộp vào một ca ngoài phạm vi của bạn",
                       f"Case {asked} was merged into a case outside your scope", field="case")
    return case


def attach_case(row: IntakeContact, case: Case, *, actor: str, now: datetime) -> None:
    """The contact became this case (its report was opened from it)."""
    row.outcome, row.case, row.state, row.closed_by = "case", case, "closed", actor
    row.ended_at = row.ended_at or now


def contact_became_case(
    uow: UnitOfWork, case: Case, *, contact: int | None, channel: str, reporter_phone: str | None, actor: str,
    now: datetime,
) -> None:
    """Inside the case's own transaction: the contact it came from is closed as a case; a web or API
    report, which arrived as this case, is recorded as a contact of its own."""
    if contact is not None:
        row = lock_contact(uow, contact)
        _still_open(row)
    else:
        # No SELECT for a free reference: a taken one (1 in 6e9) fails the flush and open_ticket goes again.
        row = IntakeContact(reference=new_reference(prefix="LH"), line=DEFAULT_LINE, channel=channel[:8],
                            external_id=f"case:{case.reference}", caller_index=caller_index(reporter_phone),
                            state="open", started_at=now, messages=[])
        uow.session.add(row)
    attach_case(row, case, actor=actor, now=now)


def _still_open(row: IntakeContact) -> None:
    if row.outcome is not None:
        raise Conflict(f"Liên hệ {row.reference} đã kết thúc ({row.outcome})",
                       f"Contact {row.reference} is already closed ({row.outcome})")


@dataclass(frozen=True)
class HistoryItem:
    reference: str
    channel: str
    started_at: datetime
    outcome: str | None
    case_reference: str | None


def caller_history(uow: UnitOfWork, *, caller: str | None = None, index: str | None = None,
                   limit: int = 20) -> list[HistoryItem]:
    """A returning caller's earlier contacts and cases, newest first: one query on the keyed hash."""
    key = index or caller_index(caller)
    if key is None:
        return []
    rows = uow.session.execute(
        select(IntakeContact, Case.reference).outerjoin(Case, Case.id == IntakeContact.case_id)
        .where(IntakeContact.caller_index == key).order_by(IntakeContact.started_at.desc()).limit(limit)
    ).all()
    return [HistoryItem(c.reference, c.channel, c.started_at, c.outcome, ref) for c, ref in rows]
