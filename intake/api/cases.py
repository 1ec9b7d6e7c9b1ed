"""Cases for operators and supervisors: read (audited), move through the workflow, work lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from core.db import UnitOfWork
from core.errors import Forbidden
from intake.people.auth import Principal, current_principal, may_see_case
from workflows.diagram import mermaid
from workflows.models import Case
from workflows.queries import cases_page, read_case
from workflows.service import apply, reroute

router = APIRouter(prefix="/api/v1", tags=["cases"])
Who = Annotated[Principal, Depends(current_principal)]


class TransitionIn(BaseModel):
    trigger: str = Field(description="e.g. acknowledge, decline, report_assessment, approve_plan")
    reason: str | None = Field(default=None, max_length=1000)
    facts: dict[str, Any] = Field(default_factory=dict, description="what the guard needs, e.g. risk_level")


@router.get("/cases/{reference}", summary="A case: state, timers, history, breaches (read is audited)")
def get_case(reference: str, who: Who, identity: bool = False) -> dict[str, Any]:
    return read_case(UnitOfWork(), reference=reference, reader=who.user, via="api", purpose="case_view",
                     may_see=_access(who), with_identity=identity)


def _access(who: Principal) -> Callable[[Case], bool]:
    """The one access rule (intake.people.auth.may_see_case) applied to a stored case."""
    return lambda case: may_see_case(who, province_code=case.province_code, commune_code=case.commune_code)


@router.post("/cases/{reference}/transitions", summary="Move a case through the workflow")
def post_transition(reference: str, body: TransitionIn, who: Who) -> dict[str, Any]:
    facts = {**body.facts, "actor_role": who.role}  # the role comes from the token, never from the body
    case = apply(UnitOfWork(), reference=reference, trigger=body.trigger, actor=who.user, via="api",
                 reason=body.reason, allowed=_access(who), **facts)
    return {"reference": case.reference, "state": case.state}


class RouteIn(BaseModel):
    commune_code: str = Field(pattern=r"^\d{5}$", description="mã xã 2025 / the 2025 commune code")
    reason: str = Field(min_length=3, max_length=1000, description="vì sao / why (recorded)")


@router.post("/cases/{reference}/route", summary="Operator routes or re-routes a case, with a reason")
def post_route(reference: str, body: RouteIn, who: Who) -> dict[str, Any]:
    if who.role not in {"operator", "supervisor", "admin"}:
        raise Forbidden("Chỉ tư vấn viên hoặc giám sát được chuyển ca", "Only operators and supervisors route")
    case = reroute(UnitOfWork(), reference=reference, commune_code=body.commune_code, reason=body.reason,
                   operator=who.user, via="api", allowed=_access(who))
    return {"reference": case.reference, "state": case.state, "commune_code": case.commune_code}


@router.get("/cases", summary="A work list by state, e.g. needs_routing, a page at a time (no identities)")
def list_cases(
    who: Who,
    state: Annotated[str, Query(max_length=32)] = "needs_routing",
    limit: Annotated[int, Query(ge=1, le=200, description="số ca mỗi trang / cases per page")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor của trang trước")] = None,
) -> dict[str, Any]:
    if who.role not in {"operator", "supervisor", "admin"}:
        return {"items": [], "next_cursor": None}
    province = who.province if who.role == "supervisor" else None  # the access rule, inside the query
    page = cases_page(UnitOfWork(), state=state, limit=limit, cursor=cursor, province_code=province)
    items = [r for r in page.items if may_see_case(who, province_code=r["province_code"])]
    return {"items": items, "next_cursor": page.next_cursor}


@router.get("/workflow.mmd", response_class=PlainTextResponse, summary="The case workflow as Mermaid")
def workflow_diagram() -> str:
    return mermaid()
