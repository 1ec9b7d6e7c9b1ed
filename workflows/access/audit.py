"""Refusals: answered exactly like a missing object, and written to the audit trail."""

from __future__ import annotations

from core.clock import utcnow
from core.db import UnitOfWork
from core.errors import NotFound
from workflows.access.models import AccessDenial
from workflows.access.policy import Place, Principal
from workflows.case.models import Case


def missing_case(reference: str) -> NotFound:
    """The one answer for a case that does not exist, and for one the asker may not see."""
    return NotFound(f"Không tìm thấy ca {reference}", f"No case {reference}", field="reference")


class HiddenCase(NotFound):
    """A case the asker may not see. Rendered like `missing_case`; the front door audits it."""

    def __init__(self, reference: str, *, case_id: int) -> None:
        plain = missing_case(reference)
        super().__init__(plain.vi, plain.en, field=plain.field)
        self.case_id = case_id


def place_of(case: Case) -> Place:
    return Place(line=case.line, province=case.province_code, commune=case.commune_code,
                 home_commune=case.home_commune_code)


def record_denial(
    uow: UnitOfWork, *, who: Principal, object_kind: str, object_id: int | None, action: str, via: str
) -> None:
    """In its own transaction: the refused request itself rolls back."""
    with uow:
        uow.session.add(AccessDenial(
            at=utcnow(), principal=who.username[:64], role=who.role[:24], object_kind=object_kind,
            object_id=object_id, action=action[:40], via=via[:10]))
        uow.commit()
