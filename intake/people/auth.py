"""Who is asking the API: a bearer token (`hotline tokens issue`) stands for a stored user.

The decisions about what that user may do are in workflows.access.policy (one policy, fails closed).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from core.db import UnitOfWork
from core.errors import HotlineError
from intake.people import tokens
from intake.people.users import ensure_user
from workflows.access.policy import Place, Principal, may_view_case

__all__ = ["Principal", "Unauthorized", "current_principal", "issue_token", "may_see_case", "read_token"]


class Unauthorized(HotlineError):
    status = 401
    title = "Unauthorized"


_bearer = HTTPBearer(auto_error=False, description="`hotline tokens issue --user U` (mã truy cập / API token)")


def current_principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> Principal:
    found = tokens.verify(UnitOfWork(), credentials.credentials.strip()) if credentials else None
    if found is None:
        raise Unauthorized("Cần mã truy cập hợp lệ (Bearer token)", "A valid bearer token is required")
    return found


def partner_or_public(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> Principal | None:
    """A partner with its own token (a commune, the police, another line), or None for the public. A token
    that is sent but not valid is a 401, never taken for the public."""
    return current_principal(credentials) if credentials else None


def issue_token(
    user: str, role: str = "operator", province: str | None = None, commune: str | None = None, *,
    line: str | None = None, lifetime: timedelta = timedelta(days=30),
) -> str:
    """A stored token for `user`, made with this role and scope when missing (the demo, the tests,
    `hotline token`). Real accounts are made with `hotline users add` and `hotline tokens issue`."""
    ensure_user(UnitOfWork(), username=user, role=role, line=line, province=province, commune=commune)
    return tokens.issue(UnitOfWork(), username=user, lifetime=lifetime, label="issue_token").token


def read_token(token: str) -> Principal | None:
    """The principal behind a token, or None (kept for callers written before stored tokens)."""
    return tokens.verify(UnitOfWork(), token)


def may_see_case(
    who: Principal, *, province_code: str | None, commune_code: str | None = None, line: str | None = "111"
) -> bool:
    """Kept for callers written before workflows.access.policy; it is that policy (`may_view_case`)."""
    return may_view_case(who, Place(line=line, province=province_code, commune=commune_code))
