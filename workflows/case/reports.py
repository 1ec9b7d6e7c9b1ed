"""What a report says, as the front doors hand it to the workflow (already validated)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
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
    # Form 01 (an operator's intake record, intake/console); every field optional for the other doors.
    child_birth_date: str | None = None  # ISO date; child_age then holds the age it gives, or an estimate
    current_condition: str | None = None
    likely_harm: str | None = None  # what is likely to happen to the child without help
    family: dict[str, str] = field(default_factory=dict)  # parents' names, ages, jobs, situation, caregiver, ...
    special_circumstances: tuple[str, ...] = ()  # codes of Luật Trẻ em Art. 10 (workflows/case/intake_taxonomy.toml)
    abuser_is_caregiver: bool = False  # a parent or caregiver is the abuser: emergency (Art. 31)
    received_elsewhere_at: datetime | None = None  # T0 when police or a commune received it first
    received_elsewhere_by: str | None = None
    commune_code: str | None = None  # the commune the operator accepted among the finder's suggestions
    taxonomy_version: str | None = None
    received_by: str | None = None  # the receiving officer
    reporter_address: str | None = None  # only with consent

    @property
    def urgency(self) -> str:
        if self.immediate_danger or self.abuser_is_caregiver:  # Art. 31: emergency protection
            return "emergency"
        return "high" if self.category in {"sexual_abuse", "trafficking", "violence"} else "normal"

    @property
    def has_intake_record(self) -> bool:
        return self.taxonomy_version is not None

    def as_payload(self) -> dict[str, Any]:
        payload = {f.name: getattr(self, f.name) for f in fields(self)}  # asdict without its deep copies
        if self.received_elsewhere_at is not None:
            payload["received_elsewhere_at"] = self.received_elsewhere_at.isoformat()
        payload["special_circumstances"] = list(self.special_circumstances)
        return payload


@dataclass(frozen=True)
class Opened:
    reference: str
    state: str
    created: bool  # False when an idempotent repeat returned the first answer
