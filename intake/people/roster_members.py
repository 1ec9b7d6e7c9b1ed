"""Roster members as people who sign in: a commune team member's phone stands for one user.

The roster (routing.models.Contact, imported with `hotline teams import`) says who is in which commune's
team and with what role; that is who may sign in to the commune pages with a one-time code. The user
is made on the first sign-in (`xa-<contact id>`, no password) and its role and commune follow the
roster on every sign-in after, so a roster change (a new chair) takes effect at the next sign-in.

| roster role (Vai trò)        | user role        |
|------------------------------|------------------|
| cán bộ bảo vệ trẻ em         | commune_officer  |
| trạm y tế                    | commune_officer  |
| chủ tịch UBND xã             | commune_chair    |
| công an xã                   | commune_police   |
| cộng tác viên thôn           | (no sign-in: a volunteer sees no child's details) |
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from core.clock import utcnow
from routing.models import Contact, Team
from workflows.access.models import User
from workflows.access.policy import COMMUNE_ROLES

USER_ROLE: dict[str, str] = {
    "child_protection_officer": "commune_officer",
    "health_station": "commune_officer",
    "commune_chair": "commune_chair",
    "commune_police": "commune_police",
}
SEAT = {"commune_chair": 0, "child_protection_officer": 1, "commune_police": 2, "health_station": 3}


def member_for_phone(session: DbSession, phone: str) -> Contact | None:
    """The roster member who signs in with this phone (E.164). Someone on two teams signs in as the
    member with the senior seat (chair first), then the earliest registered."""
    found = session.execute(select(Contact).where(Contact.phone == phone, Contact.role.in_(USER_ROLE))).scalars()
    members = sorted(found, key=lambda c: (SEAT.get(c.role, 9), c.id))
    return members[0] if members else None


def username_of(contact: Contact) -> str:
    return f"xa-{contact.id}"


def user_for_member(session: DbSession, contact: Contact) -> User | None:
    """The member's user, made or brought in line with the roster; None when it was disabled or is not
    one this module made (another role, or a password set by an administrator)."""
    team = session.get(Team, contact.team_id)
    assert team is not None
    role = USER_ROLE[contact.role]
    name = username_of(contact)
    user = session.execute(select(User).where(User.username == name)).scalar_one_or_none()
    if user is None:
        user = User(username=name, display_name=contact.full_name[:120], role=role, line=None,
                    province_code=team.province_code, commune_code=team.commune_code, created_at=utcnow())
        session.add(user)
        session.flush()
        return user
    if user.disabled_at is not None or user.role not in COMMUNE_ROLES or user.password_hash is not None:
        return None  # disabled, or a user an administrator made under this name: never taken over
    user.display_name, user.role = contact.full_name[:120], role
    user.province_code, user.commune_code, user.line = team.province_code, team.commune_code, None
    return user
