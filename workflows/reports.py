"""What a report says, as the front doors hand it to the workflow (already validated)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class NewReport:
    description: str
    location: str | None = None
    child_home: str | None = None  # where the child lives, when not where it happened
    child_name: str | None = None
    child_age: int | None = None
    child_sex: str = "unknown"
    immediate_danger: bool = False
    reporter_name: str | None = None
    reporter_phone: str | None = None  # E.164
    consent_to_contact: bool = False
    category: str | None = None

    @property
    def urgency(self) -> str:
        if self.immediate_danger:
            return "emergency"
        return "high" if self.category in {"sexual_abuse", "trafficking", "violence"} else "normal"

    def as_payload(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # asdict without its deep copies


@dataclass(frozen=True)
class Opened:
    reference: str
    state: str
    created: bool  # False when an idempotent repeat returned the first answer
