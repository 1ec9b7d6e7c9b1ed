"""Cases for operators and supervisors: read (audited), move through the workflow, work lists."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from core.db import UnitOfWork
from core.errors import InvalidInput
from intake.api.problems import problem_responses
from intake.people.auth import Principal, current_principal
from intake.people.guard import audited, case_rule
from routing import gazetteer
from workflows.access.policy import Place, may_route, may_transition, may_view_case, may_view_identity
from workflows.case.diagram import mermaid
from workflows.case.facts import FACTS, parse_facts
from workflows.case.machine import STATES, TRIGGERS
from workflows.casework.queries import cases_page, read_case
from workflows.casework.service import apply, reroute

router = APIRouter(prefix="/api/v1", tags=["cases"])
Who = Annotated[Principal, Depends(current_principal)]
Reference = Annotated[str, Path(min_length=1, max_length=32, description="mã ca / the case reference")]
PROTECTED = problem_responses(401, 403, 404)


def _facts_schema() -> dict[str, Any]:
    """Every fact any trigger takes; which ones a trigger needs is checked per trigger (workflows.case.facts)."""
    properties: dict[str, Any] = {}
    for trigger, model in FACTS.items():
        for name, prop in model.model_json_schema()["properties"].items():
            properties[name] = {**prop, "description": f"{trigger}: {(model.__doc__ or '').strip()}"}
    return {"type": "object", "properties": properties, "additionalProperties": False}


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    trigger: str = Field(description="e.g. acknowledge, decline, report_assessment, approve_plan",
                         json_schema_extra={"enum": list(TRIGGERS)})
    reason: str | None = Field(default=None, max_length=1000)
    facts: dict[str, Any] = Field(
        default_factory=dict, json_schema_extra=_facts_schema(),
        description="chỉ những gì bước này cần / only what this trigger needs: report_assessment {risk_level}, "
                    "separate {decision}, draft_plan {plan}; anything else is refused",
    )

    @field_validator("trigger")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in TRIGGERS:
            raise PydanticCustomError("trigger", "unknown trigger", {"expected": ", ".join(TRIGGERS)})
        return value


@router.get("/cases/{reference}", summary="A case: state, timers, history, breaches (read is audited)",
            responses=PROTECTED)
def get_case(reference: Reference, who: Who, response: Response, identity: bool = False) -> dict[str, Any]:
    """A case you may not see answers 404 like a missing one; `identity=true` needs its own permission
    (403 without it) and is audited apart from the plain read. No cache may keep a case (`no-store`)."""
    response.headers["Cache-Control"] = "no-store"
    rule = case_rule(who)
    if identity:
        rule = case_rule(who, also=may_view_identity, object_kind="identity",
                         refusal=("Bạn không có quyền xem danh tính trẻ và người báo tin",
                                  "You may not see the identity of the child and the reporter"))
    with audited(who, action="identity" if identity else "view"):
        return read_case(UnitOfWork(), reference=reference, reader=who.user, via="api", purpose="case_view",
                         may_see=rule, with_identity=identity)


@router.post("/cases/{reference}/transitions", summary="Move a case through the workflow",
             responses={**PROTECTED, **problem_responses(409)})
def post_transition(reference: Reference, body: TransitionIn, who: Who) -> dict[str, Any]:
    try:
        facts = parse_facts(body.trigger, body.facts)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", "facts", *e["loc"])} for e in exc.errors(include_url=False)]) from None
    rule = case_rule(who, also=lambda w, place: may_transition(w, place, body.trigger))
    with audited(who, action=f"transition:{body.trigger}"[:40]):
        # The role comes from the user, never from the body.
        case = apply(UnitOfWork(), reference=reference, trigger=body.trigger, actor=who.user, via="api",
                     reason=body.reason, allowed=rule, facts=facts, actor_role=who.role)
    return {"reference": case.reference, "state": case.state}


class RouteIn(BaseModel):
    commune_code: str = Field(pattern=r"^\d{5}$", description="mã xã 2025 / the 2025 commune code")
    reason: str = Field(min_length=3, max_length=1000, description="vì sao / why (recorded)")


@router.post("/cases/{reference}/route", summary="Operator routes or re-routes a case, with a reason",
             responses={**PROTECTED, **problem_responses(409)})
def post_route(reference: Reference, body: RouteIn, who: Who) -> dict[str, Any]:
    target = gazetteer.load().commune(body.commune_code)
    to_province = target.province_code if target else None
    rule = case_rule(who, also=lambda w, place: may_route(w, place, to_province=to_province),
                     refusal=("Bạn không được chuyển ca này tới xã đó", "You may not route this case there"))
    with audited(who, action="route"):
        case = reroute(UnitOfWork(), reference=reference, commune_code=body.commune_code, reason=body.reason,
                       operator=who.user, via="api", allowed=rule, actor_role=who.role)
    return {"reference": case.reference, "state": case.state, "commune_code": case.commune_code}


@router.get("/cases", summary="A work list by state, e.g. needs_routing, a page at a time (no identities)",
            responses=problem_responses(401, 422))
def list_cases(
    who: Who,
    state: Annotated[str, Query(max_length=32, json_schema_extra={"enum": list(STATES)})] = "needs_routing",
    limit: Annotated[int, Query(ge=1, le=200, description="số ca mỗi trang / cases per page")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor của trang trước")] = None,
) -> dict[str, Any]:
    if state not in STATES:
        raise InvalidInput("Không có trạng thái này trong quy trình", f"Unknown state; one of: {', '.join(STATES)}",
                           field="state")
    # A province's supervisor pages through their province only: the access rule, inside the query.
    province = who.province if who.role == "province_supervisor" else None
    page = cases_page(UnitOfWork(), state=state, limit=limit, cursor=cursor, province_code=province)
    items = [r for r in page.items
             if may_view_case(who, Place(r["line"], r["province_code"], r["commune_code"]))]
    return {"items": items, "next_cursor": page.next_cursor}


@router.get("/workflow.mmd", response_class=PlainTextResponse, summary="The case workflow as Mermaid",
            responses=problem_responses())
def workflow_diagram() -> str:
    return mermaid()
