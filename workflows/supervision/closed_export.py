"""Closed cases for the national child database: one row per case with the fields the forms hold.

The identity columns (the child's name and age, the reporter, the place as told) are filled only for a
person `may_view_identity` allows for that case, and every exported case is written to the read audit
with purpose "export", in the same transaction as the read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select

from core.clock import local, utcnow
from core.db import UnitOfWork
from workflows.access.policy import Place, Principal, may_view_case, may_view_identity
from workflows.case.age_bands import UNKNOWN
from workflows.case.models import Case, CaseHistory, CaseRead
from workflows.referrals.queries import referrals_for_export
from workflows.supervision.statistics import Period, Scope

PLAIN_NUMBER = re.compile(r"^[+-]?[0-9][0-9 ]*$")
COLUMNS = ("reference", "received_at", "closed_at", "province_code", "commune_code", "commune_name", "line",
           "urgency", "category", "risk_level", "immediate_danger", "child_sex", "child_age_band", "referrals")
IDENTITY_COLUMNS = ("child_name", "child_age", "location_text", "reporter_name", "reporter_phone")


def cell(value: object) -> str:
    """A spreadsheet must not run what an operator typed: a leading = + - @ is quoted."""
    text = "" if value is None else str(value)
    if PLAIN_NUMBER.match(text):
        return text  # a phone number (+84...) is data, not a formula
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def referral_cell(referrals: list[dict[str, object]]) -> str:
    """Issue 19: a case's referrals in one cell, `service:agency level:state:due date` joined by `;`."""
    return ";".join(f"{r['service']}:{r['agency_level']}:{r['state']}:{r['due_on']}" for r in referrals)


def _when(moment: datetime | None) -> str:
    return "" if moment is None else local(moment).strftime("%Y-%m-%d %H:%M")


def closed_cases(uow: UnitOfWork, *, who: Principal, period: Period, scope: Scope, via: str = "ui"
                 ) -> Iterator[list[str]]:
    """The header, then a row per case closed (approve_closure) within the period and the scope."""
    lo, hi = period.bounds()
    closed_at = (select(CaseHistory.case_id, func.min(CaseHistory.at).label("closed_at"))
                 .where(CaseHistory.event == "approve_closure").group_by(CaseHistory.case_id).subquery())
    stmt = (select(Case, closed_at.c.closed_at).join(closed_at, closed_at.c.case_id == Case.id)
            .where(Case.state == "closed", closed_at.c.closed_at >= lo, closed_at.c.closed_at < hi)
            .order_by(Case.id))
    if scope.province:
        stmt = stmt.where(Case.province_code == scope.province)
    if scope.commune:
        stmt = stmt.where(Case.commune_code == scope.commune)
    yield [*COLUMNS, *IDENTITY_COLUMNS]
    with uow:
        now = utcnow()
        found = uow.session.execute(stmt).all()
        referred = referrals_for_export(uow.session, [case.id for case, _ in found])
        for case, closed in found:
            place = Place(case.line, case.province_code, case.commune_code)
            if not may_view_case(who, place):
                continue
            row = [case.reference, _when(case.received_at), _when(closed), case.province_code or "",
                   case.commune_code or "", cell(case.commune_name), case.line, case.urgency, case.category or "",
                   case.risk_level or "", "1" if case.immediate_danger else "0", case.child_sex,
                   case.child_age_band or UNKNOWN, referral_cell(referred.get(case.id, []))]
            identity = may_view_identity(who, place)
            if identity:
                row += [cell(getattr(case, name)) for name in IDENTITY_COLUMNS]
            else:
                row += [""] * len(IDENTITY_COLUMNS)
            uow.session.add(CaseRead(case_id=case.id, reader=who.user, via=via, at=now,
                                     purpose="export_identity" if identity else "export"))
            yield row
        uow.commit()
