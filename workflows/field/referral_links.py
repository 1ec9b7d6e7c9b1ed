"""A referral's signed link: the page an agency opens from its SMS, sign-in by code, and an answer from it.

Without sign-in the page shows what the SMS said (reference, service, commune, urgency, deadlines, state).
After sign-in by a code sent to the phone the link was sent to, it shows why the service is asked and,
only when the consent allows (NĐ 56 Art. 33), who the child is. Every read is audited on the case.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from core.clock import utcnow
from core.db import UnitOfWork, for_update
from workflows.case.effects import send
from workflows.case.models import Case, CaseRead
from workflows.referrals.models import Referral, ReferralLink
from workflows.referrals.service import Answered, agency_name, answer, identity_allowed, service_name
from workflows.referrals.texts import sms
from workflows.referrals.tokens import code_hash, read_link_token

CODE_MINUTES = 10
MAX_TRIES = 5


class ReferralLinkNotFound(Exception):
    """A token we did not make, or whose link is gone: the page says only that."""


@dataclass(frozen=True)
class ReferralPage:
    reference: str
    service: str
    agency: str
    commune: str
    urgency: str
    state: str
    respond_by: datetime
    due_on: date
    expired: bool
    signed_in: bool
    reason: str | None = None  # after sign-in
    identity_allowed: bool = False
    child_name: str | None = None  # after sign-in, and only with consent
    child_age: str | None = None
    location: str | None = None


def _load(uow: UnitOfWork, token: str, *, lock: bool = False) -> tuple[ReferralLink, Referral, Case]:
    link_id = read_link_token(token)
    link = uow.session.get(ReferralLink, link_id) if link_id is not None else None
    if link is None:
        raise ReferralLinkNotFound(token)
    stmt = select(Referral).where(Referral.id == link.referral_id)
    referral = uow.session.execute(for_update(uow.session, stmt) if lock else stmt).scalar_one_or_none()
    case = uow.session.get(Case, referral.case_id) if referral is not None else None
    if referral is None or case is None:
        raise ReferralLinkNotFound(token)
    return link, referral, case


def _session_of(link: ReferralLink) -> str | None:
    if link.signed_in_at is None:
        return None
    return code_hash(link.id, f"session:{link.signed_in_at.timestamp():.6f}")[:32]


def _page(uow: UnitOfWork, link: ReferralLink, referral: Referral, case: Case, now: datetime,
          session: str | None) -> ReferralPage:
    expected = _session_of(link)
    signed_in = expected is not None and session is not None and secrets.compare_digest(expected, session) \
        and link.expires_at > now
    allowed = signed_in and identity_allowed(referral, case)
    return ReferralPage(
        reference=referral.reference, service=service_name(referral.service), agency=agency_name(uow, referral),
        commune=case.commune_name or "", urgency=referral.urgency, state=referral.state,
        respond_by=referral.respond_by, due_on=referral.due_on, expired=link.expires_at <= now, signed_in=signed_in,
        reason=referral.reason if signed_in else None, identity_allowed=allowed,
        child_name=case.child_name if allowed else None, child_age=case.child_age if allowed else None,
        location=case.location_text if allowed else None,
    )


def show_referral(uow: UnitOfWork, *, token: str, session: str | None = None) -> ReferralPage:
    """The page; `session` is what `sign_in` gave this browser (None: not signed in)."""
    with uow:
        now = utcnow()
        link, referral, case = _load(uow, token)
        page = _page(uow, link, referral, case, now, session)
        purpose = "referral identity" if page.identity_allowed else "referral page"
        uow.session.add(CaseRead(case_id=case.id, reader=link.reader, via="link", purpose=purpose, at=now))
        uow.commit()
        return page


def send_code(uow: UnitOfWork, *, token: str) -> None:
    """A sign-in code by SMS to the phone the link was sent to (and nowhere else)."""
    with uow:
        now = utcnow()
        link, referral, case = _load(uow, token)
        if link.expires_at <= now:
            return
        code = f"{secrets.randbelow(1_000_000):06d}"
        link.code_hash, link.code_expires_at, link.code_tries = code_hash(link.id, code), now + timedelta(
            minutes=CODE_MINUTES), 0
        send(uow, to=link.phone, body=sms("sign_in_code", ref=referral.reference, code=code), purpose="sign_in",
             now=now, case_id=case.id, priority=0)
        uow.commit()


def sign_in(uow: UnitOfWork, *, token: str, code: str) -> str | None:
    """The session of this browser on this link when the code is right (None: wrong, expired, too many tries)."""
    with uow:
        now = utcnow()
        link, _referral, _case = _load(uow, token)
        if link.code_hash is None or link.code_expires_at is None or link.code_expires_at <= now \
                or link.code_tries >= MAX_TRIES:
            return None
        if secrets.compare_digest(link.code_hash, code_hash(link.id, code.strip())):
            link.signed_in_at, link.code_hash = now, None
            session = _session_of(link)
            uow.commit()
            return session
        link.code_tries += 1
        uow.commit()
        return None


def answer_by_link(uow: UnitOfWork, *, token: str, action: str, text: str | None) -> Answered:
    if action not in ("accept", "decline", "done"):
        raise ReferralLinkNotFound(action)
    with uow:
        now = utcnow()
        link, referral, _case = _load(uow, token, lock=True)
        if link.expires_at <= now:
            return Answered("not_now", referral.reference)
        result = answer(uow, referral, phone=link.phone, action=action, text=text, via="link", now=now)
        uow.commit()
        return result
