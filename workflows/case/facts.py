"""What a trigger may carry besides its reason: one small validated model per trigger.

Every front door (API, console, SMS, voice, the commune pages) turns what it received into one of these
before it calls the service, so the service never takes keyword names from outside: a body cannot set
`actor`, `via`, `now` or anything else the service owns. A trigger not listed here takes no facts at all.
Who is acting (`actor_role`) never comes from a body; the service adds it from the caller's identity.

The models follow the forms of Decree 56/2017 (Mẫu 02 to 07). What a guard needs is required (the risk
level, the plan, the separation decision); the rest of a form is optional here, so that the API can move
a case with the minimum, and validated when given (dates in order, costs not negative, closed lists).
The commune pages ask for more (intake/commune/forms.py). The service keeps every form as written
(workflows.case.records).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from workflows.services.taxonomy import taxonomy

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Risk = Literal["high", "medium", "low"]
Concern = Literal["none", "some", "serious"]
SEPARATION_DAYS = 15  # a temporary separation lasts at most this long (Decree 56 Art. 32(3))
MAX_COST_VND = 10_000_000_000  # ten billion đồng for one service: anything above is a typing slip


class Facts(BaseModel):
    """No facts: anything sent is refused (extra keys are an error, not silently dropped)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("nul")
        return value

    def as_guard_facts(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude_defaults=True, mode="json")  # dates as ISO text, for JSON


class Assessment(Facts):
    """Mẫu 02: the initial assessment of risk and harm (Decree 56 Art. 26(2))."""

    risk_level: Risk
    harm: Literal["none", "mild", "serious", "very_serious"] | None = None  # mức độ tổn hại
    assessed_on: date | None = None
    findings: Text | None = None  # what was found: the child's state, who harms, where the child is now
    child_safe_now: bool | None = None
    emergency_needed: bool | None = None  # Art. 26(3): emergency measures within 12 hours of T0
    abuser_is_caregiver: bool | None = None  # Art. 31(1): a parent or caregiver harms the child: an emergency
    immediate_needs: Text | None = None


class EmergencyMeasure(Facts):
    """The emergency protection taken (Decree 56 Art. 31): what, by whom, when."""

    measure: Text  # e.g. the police stopped the violence, the child taken to the health station
    taken_by: Short  # who took it (the commune police, the clinic, the officer)
    taken_at: datetime


# The eight areas of the detailed assessment (Decree 56 Art. 27(1) a–h, Mẫu 03).
AREAS: tuple[str, ...] = (
    "physical_emotional",  # a) thể chất, tâm lý, tình cảm
    "family",  # b) hoàn cảnh gia đình, năng lực bảo vệ của cha mẹ
    "risk_factors",  # c) yếu tố làm trẻ có thể bị (tiếp tục) xâm hại
    "learning_self_protection",  # d) học tập, khả năng tự bảo vệ
    "community",  # đ) an toàn, khả năng hỗ trợ của cộng đồng
    "service_needs",  # e) nhu cầu y tế, trợ giúp xã hội, giáo dục, pháp lý, tâm lý
    "child_views",  # g) ý kiến, nguyện vọng của trẻ
    "caregiver_views",  # h) ý kiến, nguyện vọng của cha mẹ, người chăm sóc
)
Area = Literal[
    "physical_emotional", "family", "risk_factors", "learning_self_protection", "community", "service_needs",
    "child_views", "caregiver_views",
]


class AreaFinding(Facts):
    concern: Concern
    note: Text | None = None


class Conference(Facts):
    """The case conference the commune chair presides (Art. 27(2))."""

    held_on: date
    chaired_by: Short
    participants: Text
    conclusions: Text


class DetailedAssessment(Facts):
    """Mẫu 03: the detailed assessment over the eight areas, and the case conference."""

    areas: dict[Area, AreaFinding] = Field(default_factory=dict)
    conference: Conference | None = None
    needs: Text | None = None  # the support the child needs, as concluded


class PlanService(Facts):
    """One line of the plan (Art. 28(3)): the service or task, when, who is responsible, who provides, cost."""

    service: Short
    starts_on: date
    ends_on: date
    responsible: Short
    provider: Short | None = None
    cost_vnd: int | None = Field(default=None, ge=0, le=MAX_COST_VND)
    # Chosen from the service directory (workflows.services): on approval the line becomes a referral to
    # `agency_id` (or to the 111 line, `to_line`, for a service the province lacks), due on `ends_on`.
    service_code: Short | None = None
    agency_id: int | None = Field(default=None, ge=1)
    to_line: bool = False
    urgency: Literal["emergency", "high", "normal"] | None = None
    consent_child: bool | None = None  # NĐ 56 Art. 33: the child's, from age 7
    consent_caregiver: bool = False  # the parent's or caregiver's

    @model_validator(mode="after")
    def _ends_after_start(self) -> PlanService:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        if self.service_code is not None and self.service_code not in taxonomy().services:
            raise ValueError("service_code is not in the services taxonomy")
        if self.agency_id is not None and self.to_line:
            raise ValueError("a referral goes to an agency or to the 111 line, not both")
        return self

    @property
    def is_referral(self) -> bool:
        return self.service_code is not None and (self.agency_id is not None or self.to_line)


class DraftPlan(Facts):
    """Mẫu 04/05: the support and intervention plan (its goal or a document reference, and its services)."""

    plan: Text
    services: tuple[PlanService, ...] = Field(default=(), max_length=30)

    @property
    def total_cost_vnd(self) -> int:
        return sum(s.cost_vnd or 0 for s in self.services)


class PlanDecision(Facts):
    """The chair's approval (the decision of Mẫu 05): its number and a note, both optional."""

    decision_no: Short | None = None
    note: Text | None = None


class SeparationOrder(Facts):
    """Mẫu 07: the commune chair's temporary separation decision (Decree 56 Art. 32), at most 15 days."""

    decision: Short  # its number or a short note
    starts_on: date
    ends_on: date
    safe_place: Text | None = None  # nơi tạm trú an toàn
    carer: Short | None = None  # người chăm sóc thay thế
    grounds: Text | None = None
    family_refused_plan: bool | None = None  # Art. 32(1): the family refuses the plan

    @model_validator(mode="after")
    def _at_most_15_days(self) -> SeparationOrder:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        if self.ends_on - self.starts_on > timedelta(days=SEPARATION_DAYS):
            raise ValueError(f"a temporary separation lasts at most {SEPARATION_DAYS} days")
        return self


class SeparationExtension(Facts):
    """The chair's extension of a separation (Art. 32(3)): the decision and the new end, 15 days in all."""

    decision: Short
    ends_on: date
    grounds: Text | None = None


class NoPlanNeeded(Facts):
    """The chair closes without a plan (Art. 26(2), 27(2)); the reason is the move's reason."""

    grounds: Literal["no_further_risk", "unfounded", "moved_away"]


class SeparationReview(Facts):
    """The review of a separation by day 15 (Art. 32(3)): back home, care elsewhere, or extended by order."""

    outcome: Literal["return_home", "alternative_care", "extended_by_order"] | None = None
    findings: Text | None = None


class Review(Facts):
    """Mẫu 06: the review after the plan (Decree 56 Art. 30)."""

    reviewed_on: date | None = None
    child_now: Text | None = None  # the child's physical, psychological and emotional state now
    environment_safe: bool | None = None
    risk_level: Risk | None = None
    goals_met: Literal["all", "partly", "none"] | None = None
    recommendation: Literal["close", "continue", "replan"] | None = None


class ClosureRequest(Facts):
    """The request to close (Art. 30(1)b): why; the reason itself is the move's reason."""

    grounds: Literal["no_risk_stable", "moved_away", "adult", "other"] | None = None


FACTS: dict[str, type[Facts]] = {
    "report_assessment": Assessment,
    "start_emergency": EmergencyMeasure,
    "separate": SeparationOrder,
    "extend_separation": SeparationExtension,
    "close_without_plan": NoPlanNeeded,
    "reassess_separation": SeparationReview,
    "begin_detailed_assessment": DetailedAssessment,
    "draft_plan": DraftPlan,
    "approve_plan": PlanDecision,
    "review": Review,
    "request_closure": ClosureRequest,
}


def facts_model(trigger: str) -> type[Facts]:
    return FACTS.get(trigger, Facts)


def parse_facts(trigger: str, raw: Mapping[str, Any] | None) -> Facts:
    """The trigger's facts, validated; raises pydantic's ValidationError (locations inside `facts`)."""
    return facts_model(trigger).model_validate(dict(raw or {}))
