"""Users: add, list, disable, reset a password. Role and scope are checked by the access policy's rules."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from core.clock import utcnow
from core.db import UnitOfWork
from core.errors import Conflict, InvalidInput, NotFound
from intake.people.passwords import hash_password
from routing import gazetteer
from workflows.access.models import ApiToken, User, UserSession
from workflows.access.policy import DEFAULT_LINE, LINE_ROLES, Principal, scope_problem

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
LEGACY_ROLES = {"supervisor": "province_supervisor"}  # the role's name before issue 9


@dataclass(frozen=True)
class UserView:
    username: str
    display_name: str
    role: str
    line: str | None
    province: str | None
    commune: str | None
    disabled: bool

    def principal(self) -> Principal:
        return Principal(self.username, self.role, self.line, self.province, self.commune)


def view(user: User) -> UserView:
    return UserView(user.username, user.display_name, user.role, user.line, user.province_code, user.commune_code,
                    user.disabled_at is not None)


def principal_of(user: User) -> Principal:
    return Principal(user.username, user.role, user.line, user.province_code, user.commune_code)


def normalise_scope(
    role: str, *, line: str | None, province: str | None, commune: str | None
) -> tuple[str, str | None, str | None, str | None]:
    """The role's canonical name and the scope it keeps: a line for line roles, a commune (and its
    province) for commune roles, a province for supervisors; anything else is dropped."""
    role = LEGACY_ROLES.get(role, role)
    if role in LINE_ROLES:
        line = line or DEFAULT_LINE
    else:
        line = None
    if commune:
        found = gazetteer.load().commune(commune)
        if found is None:
            raise InvalidInput(f"Không có xã mã {commune}", f"No commune with code {commune}", field="commune")
        commune, province = found.code, found.province_code
    problem = scope_problem(role, line=line, province=province, commune=commune)
    if problem:
        raise InvalidInput(f"Vai trò và phạm vi không hợp lệ: {problem}", problem, field="role")
    if role == "province_supervisor":
        commune = None
    if role == "admin":
        province = commune = None
    return role, line, province, commune


def add_user(
    uow: UnitOfWork, *, username: str, role: str, password: str | None, display_name: str = "",
    line: str | None = None, province: str | None = None, commune: str | None = None,
) -> UserView:
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise InvalidInput("Tên đăng nhập: 2–64 ký tự a-z, 0-9, dấu chấm, gạch", "User name: 2-64 of a-z 0-9 . _ -",
                           field="username")
    role, line, province, commune = normalise_scope(role, line=line, province=province, commune=commune)
    with uow:
        if uow.session.execute(select(User.id).where(User.username == name)).first() is not None:
            raise Conflict(f"Đã có người dùng {name}", f"User {name} exists", field="username")
        user = User(username=name, display_name=display_name.strip()[:120] or name, role=role, line=line,
                    province_code=province, commune_code=commune, created_at=utcnow(),
                    password_hash=hash_password(password) if password else None,
                    password_changed_at=utcnow() if password else None)
        uow.session.add(user)
        uow.commit()
        return view(user)


def list_users(uow: UnitOfWork) -> list[UserView]:
    with uow:
        return [view(u) for u in uow.session.execute(select(User).order_by(User.username)).scalars()]


def _find(uow: UnitOfWork, username: str) -> User:
    user = uow.session.execute(select(User).where(User.username == username.strip().lower())).scalar_one_or_none()
    if user is None:
        raise NotFound(f"Không có người dùng {username}", f"No user {username}", field="username")
    return user


def end_sessions(uow: UnitOfWork, user: User, *, by: str) -> int:
    done = uow.session.execute(update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)).values(ended_at=utcnow(), ended_by=by[:64]))
    return int(getattr(done, "rowcount", 0) or 0)


def disable_user(uow: UnitOfWork, *, username: str, by: str = "admin") -> UserView:
    """No more sign-in; every session ends and every token is revoked at once."""
    with uow:
        user = _find(uow, username)
        user.disabled_at = user.disabled_at or utcnow()
        end_sessions(uow, user, by=by)
        uow.session.execute(update(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
        uow.commit()
        return view(user)


def sign_out_everywhere(uow: UnitOfWork, *, username: str, by: str = "admin") -> int:
    with uow:
        ended = end_sessions(uow, _find(uow, username), by=by)
        uow.commit()
        return ended


def reset_password(uow: UnitOfWork, *, username: str, password: str | None = None) -> str:
    """A new password (a generated one unless given); the user's sessions end. Returns the password."""
    new = password or secrets.token_urlsafe(12)
    digest = hash_password(new)
    with uow:
        user = _find(uow, username)
        user.password_hash, user.password_changed_at = digest, utcnow()
        end_sessions(uow, user, by="password-reset")
        uow.commit()
        return new


def ensure_user(
    uow: UnitOfWork, *, username: str, role: str, line: str | None = None, province: str | None = None,
    commune: str | None = None,
) -> UserView:
    """The user with this name, made (without a password: tokens only) when missing."""
    with uow:
        user = uow.session.execute(select(User).where(User.username == username.strip().lower())).scalar_one_or_none()
        if user is not None:
            found = view(user)
            wanted = normalise_scope(role, line=line, province=province, commune=commune)
            if (found.role, found.line, found.province, found.commune) != wanted:
                raise Conflict(f"{username} đã có vai trò khác", f"{username} already has another role or scope")
            return found
    return add_user(UnitOfWork(), username=username, role=role, password=None, line=line, province=province,
                    commune=commune)


def display_names(uow: UnitOfWork, usernames: set[str]) -> dict[str, str]:
    """How people are named on pages (a history's actor is a user name)."""
    if not usernames:
        return {}
    with uow:
        rows = uow.session.execute(select(User.username, User.display_name).where(User.username.in_(usernames)))
        return {name: shown or name for name, shown in rows}
