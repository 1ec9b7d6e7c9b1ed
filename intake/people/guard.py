"""The access policy applied at the front door: a rule per request, and an audit of each refusal.

A case the asker may not see raises `HiddenCase` (answered exactly like a missing case, 404); a
case they may see but not act on in this way raises `Refused` (403). Both are written to
`access_denials` in their own transaction before the answer goes out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from core.db import UnitOfWork
from core.errors import Forbidden
from workflows.access.audit import HiddenCase, place_of, record_denial
from workflows.access.policy import Place, Principal, may_view_case
from workflows.case.models import Case


class Refused(Forbidden):
    def __init__(self, vi: str, en: str, *, case_id: int, object_kind: str = "case") -> None:
        super().__init__(vi, en)
        self.case_id = case_id
        self.object_kind = object_kind


def case_rule(
    who: Principal, *, also: Callable[[Principal, Place], bool] | None = None, refusal: tuple[str, str] | None = None,
    object_kind: str = "case",
) -> Callable[[Case], bool]:
    """Sight of the case first (False: the caller raises HiddenCase); then, if given, the action."""

    def check(case: Case) -> bool:
        place = place_of(case)
        if not may_view_case(who, place):
            return False
        if also is not None and not also(who, place):
            vi, en = refusal or ("Bạn không có quyền làm việc này với ca", "You may not do this with this case")
            raise Refused(vi, en, case_id=case.id, object_kind=object_kind)
        return True

    return check


@contextmanager
def audited(who: Principal, *, action: str, via: str = "api") -> Iterator[None]:
    """Run a request's work; a refusal is recorded (who, which object, what) and then answered."""
    try:
        yield
    except HiddenCase as hidden:
        record_denial(UnitOfWork(), who=who, object_kind="case", object_id=hidden.case_id, action=action, via=via)
        raise
    except Refused as refused:
        record_denial(UnitOfWork(), who=who, object_kind=refused.object_kind, object_id=refused.case_id,
                      action=action, via=via)
        raise
