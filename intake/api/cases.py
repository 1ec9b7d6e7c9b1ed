"""Cases for operators and supervisors: read (audited), move through the workflow, work lists."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from core.db import UnitOfWork
from intake.people.auth import Principal, current_principal
from intake.people.guard import audited, case_rule
from routing import gazetteer
from workflows.access import Place, may_route, may_transition, may_view_case, may_view_identity
from workflows.diagram import mermaid
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
    """A case you may not see answers 404 like a missing one; `identity=true` needs its own permission
    (403 without it) and is audited apart from the plain read."""
    rule = case_rule(who)
    if identity:
        rule = case_rule(who, also=may_view_identity, object_kind="identity",
                         refusal=("Bạn không có quyền xem danh tính trẻ và người báo tin",
                                  "You may not see the identity of the child and the reporter"))
    with audited(who, action="identity" if identity else "view"):
        return read_case(UnitOfWork(), reference=reference, reader=who.user, via="api", purpose="case_view",
                         may_see=rule, with_identity=identity)


@router.post("/cases/{reference}/transitions", summary="Move a case through the workflow")
def post_transition(reference: str, body: TransitionIn, who: Who) -> dict[str, Any]:
    facts = {**body.facts, "actor_role": who.role}  # the role comes from the token, never from the body
    rule = case_rule(who, also=lambda w, place: may_transition(w, place, body.trigger))
    with audited(who, action=f"transition:{body.trigger}"[:40]):
        case = apply(UnitOfWork(), reference=reference, trigger=body.trigger, actor=who.user, via="api",
                     reason=body.reason, allowed=rule, **facts)
    return {"reference": case.reference, "state": case.state}


class RouteIn(BaseModel):
    commune_code: str = Field(pattern=r"^\d{5}$", description="mã xã 2025 / the 2025 commune code")
    reason: str = Field(min_length=3, max_length=1000, description="vì sao / why (recorded)")


@router.post("/cases/{reference}/route", summary="Operator routes or re-routes a case, with a reason")
def post_route(reference: str, body: RouteIn, who: Who) -> dict[str, Any]:
    target = gazetteer.load().commune(body.commune_code)
    to_province = target.province_code if target else None
    rule = case_rule(who, also=lambda w, place: may_route(w, place, to_province=to_province),
                     refusal=("Bạn không được chuyển ca này tới xã đó", "You may not route this case there"))
    with audited(who, action="route"):
        case = reroute(UnitOfWork(), reference=reference, commune_code=body.commune_code, reason=body.reason,
                       operator=who.user, via="api", allowed=rule)
    return {"reference": case.reference, "state": case.state, "commune_code": case.commune_code}


@router.get("/cases", summary="A work list by state, e.g. needs_routing, a page at a time (no identities)")
def list_cases(
    who: Who,
    state: Annotated[str, Query(max_length=32)] = "needs_routing",
    limit: Annotated[int, Query(ge=1, le=200, description="số ca mỗi trang / cases per page")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor của trang trước")] = None,
) -> dict[str, Any]:
    # A province's supervisor pages through their province only: the access rule, inside the query.
    province = who.province if who.role == "province_supervisor" else None
    page = cases_page(UnitOfWork(), state=state, limit=limit, cursor=cursor, province_code=province)
    items = [r for r in page.items
             if may_view_case(who, Place(r["line"], r["province_code"], r["commune_code"]))]
    return {"items": items, "next_cursor": page.next_cursor}


@router.get("/workflow.mmd", response_class=PlainTextResponse, summary="The case workflow as Mermaid")
def workflow_diagram() -> str:
    return mermaid()
