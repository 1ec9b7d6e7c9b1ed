"""What a trigger may carry besides its reason: one small validated model per trigger.

Every front door (API, console, SMS, voice) turns what it received into one of these before it calls
the service, so the service never takes keyword names from outside: a body cannot set `actor`,
`via`, `now` or anything else the service owns. A trigger not listed here takes no facts at all.
Who is acting (`actor_role`) never comes from a body; the service adds it from the caller's identity.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


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
        return self.model_dump(exclude_none=True)


class Assessment(Facts):
    """Mẫu 02: the initial risk assessment."""

    risk_level: Literal["high", "medium", "low"]


class SeparationOrder(Facts):
    """Mẫu 07: the commune chair's temporary separation decision (its number or a short note)."""

    decision: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class DraftPlan(Facts):
    """Mẫu 04/05: the support and intervention plan (a summary or a document reference)."""

    plan: Text


FACTS: dict[str, type[Facts]] = {
    "report_assessment": Assessment,
    "separate": SeparationOrder,
    "draft_plan": DraftPlan,
}


def facts_model(trigger: str) -> type[Facts]:
    return FACTS.get(trigger, Facts)


def parse_facts(trigger: str, raw: Mapping[str, Any] | None) -> Facts:
    """The trigger's facts, validated; raises pydantic's ValidationError (locations inside `facts`)."""
    return facts_model(trigger).model_validate(dict(raw or {}))

