"""Reply codes and one-tap links: issued with each assignment SMS, looked up when an answer comes back.

- Reply code: per recipient phone, the smallest number in 1..99 not held by another of its open
  cases; a case keeps its code for that phone. A code is free again when its case is closed (or
  otherwise finished) or `reply_code_days` after the last SMS that carried it.
- Link: a row (case, phone, contact, expiry); the SMS carries `/x/<token>`, where the token is the
  row id and an HMAC of it (short, unguessable, nothing identifying in it).

Functions take the unit of work's session and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import try_hold
from core.link_tokens import make_token, read_token
from core.settings import get_settings
from routing.models import Contact
from workflows.case.machine import TERMINAL
from workflows.case.models import Case
from workflows.team.models import AnswerLink, ReplyCode

MAX_CODE = 99


@dataclass(frozen=True)
class AnswerKeys:
    """What an assignment SMS carries so that answering takes one word or one tap."""

    reply_code: int
    link: str


def issue(session: Session, case: Case, *, phone: str, now: datetime) -> AnswerKeys | None:
    """The case's reply code and link for this phone; None when another transaction is issuing codes for
    this phone at this very moment: the SMS then names the case by its reference, which answers as well."""
    code = issue_reply_code(session, case, phone=phone, now=now)
    if code is None:
        return None
    link = issue_link(session, case, phone=phone, now=now)
    return AnswerKeys(reply_code=code, link=link_url(link.id))


# --- reply codes -------------------------------------------------------------------------------


def issue_reply_code(session: Session, case: Case, *, phone: str, now: datetime) -> int | None:
    # Two transactions issuing for one phone at once (the deliverer sending an assignment, a worker an
    # escalation) would both see the same number free and give two cases one code. One at a time: the
    # second gets None at once (its SMS goes by reference) rather than waiting, since it may hold rows the
    # first needs (the sweeper holds its whole batch's timers): waiting could deadlock.
    if not try_hold(session, f"reply-code:{phone}"):
        return None
    held = _held_codes(session, phone=phone, now=now)
    mine = next((row for row in held if row.case_id == case.id), None)
    if mine is not None:
        mine.sent_at = now
        return mine.code
    taken = {row.code for row in held}
    free = next((n for n in range(1, MAX_CODE + 1) if n not in taken), None)
    if free is None:  # 99 open cases on one phone: the one sent longest ago gives up its code
        oldest = min(held, key=lambda row: row.sent_at)
        oldest.released_at = now
        free = oldest.code
    session.add(ReplyCode(phone=phone, code=free, case_id=case.id, issued_at=now, sent_at=now))
    session.flush()
    return free


def _held_codes(session: Session, *, phone: str, now: datetime) -> list[ReplyCode]:
    """The codes this phone still holds: not released, case not finished, sent recently enough."""
    since = now - timedelta(days=get_settings().reply_code_days)
    rows = session.execute(
        select(ReplyCode, Case.state).join(Case, Case.id == ReplyCode.case_id)
        .where(ReplyCode.phone == phone, ReplyCode.released_at.is_(None), ReplyCode.sent_at >= since)
    ).all()
    return [row for row, state in rows if state not in TERMINAL]


def case_for_code(session: Session, *, phone: str, code: int | None, now: datetime) -> Case | None:
    """The case a code stands for on this phone; no code: the case last sent to this phone."""
    since = now - timedelta(days=get_settings().reply_code_days)
    stmt = select(ReplyCode).where(ReplyCode.phone == phone, ReplyCode.released_at.is_(None),
                                   ReplyCode.sent_at >= since)
    if code is not None:
        stmt = stmt.where(ReplyCode.code == code)
    row = session.execute(stmt.order_by(ReplyCode.sent_at.desc(), ReplyCode.id.desc()).limit(1)).scalar_one_or_none()
    return None if row is None else session.get(Case, row.case_id)


# --- links -------------------------------------------------------------------------------------


def issue_link(session: Session, case: Case, *, phone: str, now: datetime) -> AnswerLink:
    contact = team_member(session, case, phone)
    link = AnswerLink(case_id=case.id, phone=phone, contact_id=contact.id if contact else None, created_at=now,
                      expires_at=now + timedelta(hours=get_settings().answer_link_hours))
    session.add(link)
    session.flush()
    return link


def link_token(link_id: int) -> str:
    return make_token("answer-link", link_id)


def read_link_token(token: str) -> int | None:
    """The link id a token names, or None when it was not made by us."""
    return read_token("answer-link", token)


def link_url(link_id: int) -> str:
    return f"{get_settings().public_base_url}/x/{link_token(link_id)}"



# --- who may answer ----------------------------------------------------------------------------


def team_member(session: Session, case: Case, phone: str) -> Contact | None:
    """The directory contact with this phone in the case's assigned team, if there is one."""
    if case.team_id is None:
        return None
    return session.execute(
        select(Contact).where(Contact.team_id == case.team_id, Contact.phone == phone)
    ).scalar_one_or_none()
