"""The public waiting on us: a message nobody answered, a call-back past due, a call nobody is free for.

Each is a ladder of its own (policy data, `contact_alerts.toml`): the shift lead by SMS, then by a call,
then the province's supervisor. A row per (contact, kind) keeps the next step and when it is due; the
worker's sweeper opens rows whose clock ran out and climbs the due ones (`climb_contact_alerts`). The
texts name the contact's reference only, never who wrote or called.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import exists, select

from core import i18n
from core.db import UnitOfWork, try_hold
from core.settings import get_settings
from notifier import ivr
from notifier.templates import ascii_fold
from routing.directory import load_shift_leads, load_supervisors
from workflows.case.effects import send
from workflows.contacts.lines import Line, configured_lines
from workflows.contacts.models import CallbackTask, ContactAlert, IntakeContact

KINDS = ("unanswered", "callback", "no_operator")
TARGETS = ("shift_lead", "supervisor")
MEANS = ("sms", "voice")
POLICY_FILE = Path(__file__).with_name("contact_alerts.toml")
BATCH = 100

# What the shift lead reads (no diacritics: an SMS; the reference only): the catalogs' `contact_alert_sms.*`.


class AlertPolicyError(Exception):
    """A ladder file that cannot be used (Vietnamese, then English)."""


@dataclass(frozen=True)
class Step:
    after: timedelta
    to: str
    by: str


def parse_policy(data: dict[str, Any], *, source: str = "contact_alerts") -> dict[str, tuple[Step, ...]]:
    ladders: dict[str, tuple[Step, ...]] = {}
    for kind in KINDS:
        raw = (data.get(kind) or {}).get("steps") or []
        steps: list[Step] = []
        for n, item in enumerate(raw, start=1):
            where = f"{source}: [{kind}] bước {n} / step {n}"
            after, to, by = item.get("after_minutes"), item.get("to"), item.get("by", "sms")
            if not isinstance(after, int) or isinstance(after, bool) or after < 0:
                raise AlertPolicyError(f"{where}: 'after_minutes' phải là số phút >= 0 / must be minutes >= 0")
            if to not in TARGETS or by not in MEANS:
                raise AlertPolicyError(f"{where}: 'to' {TARGETS} / 'by' {MEANS}")
            if steps and timedelta(minutes=after) < steps[-1].after:
                raise AlertPolicyError(f"{where}: các bước phải theo thứ tự thời gian / steps must be in order")
            steps.append(Step(timedelta(minutes=after), to, by))
        ladders[kind] = tuple(steps)
    return ladders


@lru_cache(maxsize=1)
def alert_policy() -> dict[str, tuple[Step, ...]]:
    return parse_policy(tomllib.loads(POLICY_FILE.read_text(encoding="utf-8")), source=str(POLICY_FILE))


def next_due(ladder: tuple[Step, ...], *, started_at: datetime, step: int) -> datetime | None:
    """When rung `step` of a ladder that started at `started_at` is due; None once it is climbed."""
    return started_at + ladder[step].after if step < len(ladder) else None


def _line(code: str) -> Line:
    return configured_lines().get(code) or configured_lines()["111"]


def clock_ran_out(kind: str, contact: IntakeContact, *, task: CallbackTask | None, now: datetime) -> datetime | None:
    """When this contact's clock of `kind` ran out (None: it has not, or it does not apply). Pure."""
    line = _line(contact.line)
    if contact.outcome is not None:
        return None
    if kind == "unanswered":
        since = contact.awaiting_reply_since
        at = None if since is None else since + timedelta(minutes=line.reply_within_minutes)
    elif kind == "callback":
        at = None if task is None or task.done_at is not None else task.due_at
    else:
        # A danger call told the shift lead the moment nobody was left to ring (voice_steps): not twice.
        waiting = contact.state == "queued" and contact.answered_by is None and not contact.danger_now
        wait = timedelta(seconds=line.no_operator_alert_seconds)
        at = contact.queued_at + wait if waiting and contact.queued_at is not None else None
    return at if at is not None and at <= now else None


def start_alert(uow: UnitOfWork, contact: IntakeContact, *, kind: str, at: datetime, now: datetime) -> int:
    """Open (or re-open, for a new unanswered message after a reply) the contact's ladder of `kind` and
    climb its first due steps now. Runs inside the caller's transaction."""
    row = uow.session.execute(select(ContactAlert).where(
        ContactAlert.contact_id == contact.id, ContactAlert.kind == kind)).scalar_one_or_none()
    if row is not None and row.done_at is None:
        return 0
    if row is not None and row.started_at >= at:
        return 0  # this very run of the clock was already alerted and ended
    if row is None:
        row = ContactAlert(contact_id=contact.id, kind=kind, step=0, started_at=at)
        uow.session.add(row)
    row.step, row.started_at, row.done_at = 0, at, None
    row.next_at = at
    return _climb(uow, contact, row, now=now)


def stop_alert(uow: UnitOfWork, *, contact_id: int, kind: str, now: datetime) -> None:
    """The clock's reason is gone (an operator answered, the call-back was made): its ladder stops."""
    row = uow.session.execute(select(ContactAlert).where(
        ContactAlert.contact_id == contact_id, ContactAlert.kind == kind)).scalar_one_or_none()
    if row is not None and row.done_at is None:
        row.done_at, row.next_at = now, None


def _climb(uow: UnitOfWork, contact: IntakeContact, row: ContactAlert, *, now: datetime) -> int:
    ladder = alert_policy()[row.kind]
    sent = 0
    while (due := next_due(ladder, started_at=row.started_at, step=row.step)) is not None and due <= now:
        _tell(uow, contact, ladder[row.step], kind=row.kind, minutes=_minutes(row, contact, now), now=now)
        row.step += 1
        sent += 1
    row.next_at = next_due(ladder, started_at=row.started_at, step=row.step)
    return sent


def _minutes(row: ContactAlert, contact: IntakeContact, now: datetime) -> int:
    since = {"unanswered": contact.awaiting_reply_since, "no_operator": contact.queued_at}.get(row.kind) or \
        row.started_at
    return max(0, int((now - since).total_seconds() // 60))


def _tell(uow: UnitOfWork, contact: IntakeContact, step: Step, *, kind: str, minutes: int, now: datetime) -> None:
    text = ascii_fold(i18n.gettext("vi", f"contact_alert_sms.{kind}", ref=contact.reference, minutes=minutes))
    for phone in _phones(uow, step.to, contact):
        if step.by == "voice":
            send(uow, to=phone, body=ivr.announcement(text), purpose="contact_alert", channel="voice", now=now,
                 priority=0)
        else:
            send(uow, to=phone, body=text, purpose="contact_alert", now=now, priority=0)


def _phones(uow: UnitOfWork, to: str, contact: IntakeContact) -> list[str]:
    leads = [*get_settings().shift_leads(), *(s.phone for s in load_shift_leads(uow.session))]
    province = _line(contact.line).province_code
    if to == "supervisor" and province:
        supervisors = [s.phone for s in load_supervisors(uow.session, province)]
        return list(dict.fromkeys(supervisors or leads))
    return list(dict.fromkeys(leads))


def climb_contact_alerts(uow: UnitOfWork, *, now: datetime) -> int:
    """One sweep: open the ladders whose clock ran out, climb the due rungs, stop those whose reason went.
    Indexed reads, a batch at a time, no row locks on contacts (only its own rows change, one sweeper at a
    time: an advisory lock); runs in the caller's unit of work (the caller commits)."""
    s = uow.session
    if not try_hold(s, "contact-alerts"):
        return 0  # another worker's sweeper is at it
    sent = 0
    earliest = now - timedelta(minutes=min(line.reply_within_minutes for line in configured_lines().values()))
    waiting = s.execute(select(IntakeContact).where(
        IntakeContact.awaiting_reply_since <= earliest, IntakeContact.outcome.is_(None),
        ~_alerted("unanswered", since=IntakeContact.awaiting_reply_since))
        .order_by(IntakeContact.id).limit(BATCH)).scalars().all()
    for contact in waiting:
        at = clock_ran_out("unanswered", contact, task=None, now=now)
        if at is not None:
            sent += start_alert(uow, contact, kind="unanswered", at=at, now=now)
    overdue = s.execute(
        select(CallbackTask, IntakeContact).join(IntakeContact, IntakeContact.id == CallbackTask.contact_id)
        .where(CallbackTask.done_at.is_(None), CallbackTask.due_at <= now, IntakeContact.outcome.is_(None),
               ~_alerted("callback", since=CallbackTask.due_at))
        .order_by(CallbackTask.id).limit(BATCH)).all()
    for task, contact in overdue:
        at = clock_ran_out("callback", contact, task=task, now=now)
        if at is not None:
            sent += start_alert(uow, contact, kind="callback", at=at, now=now)
    queued = s.execute(select(IntakeContact).where(
        IntakeContact.channel == "voice", IntakeContact.state == "queued", IntakeContact.answered_by.is_(None),
        IntakeContact.outcome.is_(None), ~_alerted("no_operator", since=IntakeContact.queued_at))
        .order_by(IntakeContact.id).limit(BATCH)).scalars().all()
    for contact in queued:
        at = clock_ran_out("no_operator", contact, task=None, now=now)
        if at is not None and not _someone_free(uow, contact.line):
            sent += start_alert(uow, contact, kind="no_operator", at=at, now=now)
    due = s.execute(select(ContactAlert).where(
        ContactAlert.done_at.is_(None), ContactAlert.next_at <= now).order_by(ContactAlert.id).limit(BATCH)
    ).scalars().all()
    for row in due:
        of = s.get(IntakeContact, row.contact_id)
        if of is None:
            continue
        callback = s.execute(select(CallbackTask).where(CallbackTask.contact_id == of.id)).scalar_one_or_none()
        if clock_ran_out(row.kind, of, task=callback, now=now) is None:
            row.done_at, row.next_at = now, None  # answered, called back, or taken meanwhile
            continue
        sent += _climb(uow, of, row, now=now)
    return sent


def _alerted(kind: str, *, since: Any) -> Any:
    """This run of the clock already has its ladder (open, or climbed and stopped)."""
    return exists().where(ContactAlert.contact_id == IntakeContact.id, ContactAlert.kind == kind,
                          ContactAlert.started_at >= since)


def _someone_free(uow: UnitOfWork, line: str) -> bool:
    from workflows.contacts.presence import available_operators

    return bool(available_operators(uow, line))
