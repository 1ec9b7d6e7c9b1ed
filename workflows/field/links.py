"""The one-tap link in an assignment SMS: what its page shows, and an action taken from it.

The page shows the reference, commune, urgency, deadline and state: nothing that identifies a child
or a reporter. A link is bound to its recipient (the phone it was sent to) and its case, expires
(`answer_link_hours`), and each action can be used once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.clock import utcnow
from core.db import UnitOfWork
from notifier.answer_texts import Outcome
from workflows.case.models import Case, CaseRead
from workflows.casework.service import lock_case
from workflows.field.command_text import Command
from workflows.field.commands import act
from workflows.team.answer_keys import read_link_token
from workflows.team.assignment import open_deadline
from workflows.team.models import AnswerLink, AnswerLinkUse

ACTIONS: dict[str, str] = {"accept": "acknowledge", "decline": "decline", "wrong_commune": "wrong_commune"}


@dataclass(frozen=True)
class LinkPage:
    link_id: int
    reference: str
    commune: str
    urgency: str
    state: str
    respond_by: datetime | None
    expired: bool
    used: tuple[str, ...]  # actions already taken through this link

    @property
    def open(self) -> bool:
        return not self.expired and self.state == "assigned"


class LinkNotFound(Exception):
    """A token we did not make, or whose link is gone: the page says only that."""


def show_link(uow: UnitOfWork, *, token: str) -> LinkPage:
    with uow:
        link, case = _link_and_case(uow, token)
        uow.session.add(CaseRead(case_id=case.id, reader=_reader(link), via="link", purpose="answer link",
                                 at=utcnow()))
        page = _page(uow, link, case)
        uow.commit()
        return page


def use_link(uow: UnitOfWork, *, token: str, action: str, reason: str | None) -> tuple[Outcome, LinkPage]:
    """Take one action through the link; a second use of the same action changes nothing."""
    if action not in ACTIONS:
        raise LinkNotFound(action)
    with uow:
        link, case = _link_and_case(uow, token)
        now = utcnow()
        if link.expires_at <= now:
            return Outcome("expired", case.reference), _page(uow, link, case)
        if _uses(uow, link.id).get(action):
            return Outcome("used", case.reference), _page(uow, link, case)
        case = lock_case(uow, case.reference)
        command = Command(ACTIONS[action], reason=(reason or "").strip() or None)
        outcome = act(uow, case, phone=link.phone, command=command, via="link", now=now)
        if outcome.done:
            uow.session.add(AnswerLinkUse(link_id=link.id, action=action, used_at=now, answer=outcome.kind))
        try:
            uow.commit()
        except IntegrityError:  # two taps at once: the first one counts
            uow.rollback()
            return Outcome("used", case.reference), _page(uow, link, uow.session.get(Case, link.case_id) or case)
        return outcome, _page(uow, link, case)


def _link_and_case(uow: UnitOfWork, token: str) -> tuple[AnswerLink, Case]:
    link_id = read_link_token(token)
    link = uow.session.get(AnswerLink, link_id) if link_id is not None else None
    case = uow.session.get(Case, link.case_id) if link is not None else None
    if link is None or case is None:
        raise LinkNotFound(token)
    return link, case


def _uses(uow: UnitOfWork, link_id: int) -> dict[str, str]:
    rows = uow.session.execute(select(AnswerLinkUse).where(AnswerLinkUse.link_id == link_id)).scalars()
    return {row.action: row.answer for row in rows}


def _page(uow: UnitOfWork, link: AnswerLink, case: Case) -> LinkPage:
    deadline = open_deadline(case, "acknowledge")
    return LinkPage(
        link_id=link.id, reference=case.reference, commune=case.commune_name or "", urgency=case.urgency,
        state=case.state, respond_by=deadline.due_at if deadline else None,
        expired=link.expires_at <= utcnow(), used=tuple(_uses(uow, link.id)),
    )


def _reader(link: AnswerLink) -> str:
    return f"member:{link.contact_id}" if link.contact_id else "link:unknown"  # never digits of a phone
