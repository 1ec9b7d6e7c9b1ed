"""The case's record as people read it: each stored form turned into labelled lines. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from core.clock import local
from workflows.case.facts import AREAS, SEPARATION_DAYS

# For a field holding a closed-list value: the prefix of its label's key in the texts.
_CHOICES = {"harm": "harm_", "concern": "concern_", "outcome": "outcome_", "goals_met": "goals_",
            "recommendation": "rec_", "grounds": "grounds_", "risk_level": "", "acting_for": "acting_for_"}
_ORDER = ("risk_level", "harm", "assessed_on", "findings", "child_safe_now", "emergency_needed", "immediate_needs",
          "abuser_is_caregiver", "measure", "taken_by", "taken_at", "decision", "decision_no", "starts_on",
          "ends_on", "safe_place", "carer", "grounds", "family_refused_plan", "outcome", "plan", "services",
          "areas", "conference", "needs", "reviewed_on", "child_now", "environment_safe", "goals_met",
          "recommendation", "note", "findings", "acting_for", "reason")


def day(value: str) -> str:
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return str(value)


def money(value: int | None) -> str:
    return "" if value is None else f"{value:,}".replace(",", ".") + " đ"


def _scalar(key: str, value: Any, t: Mapping[str, str]) -> str:
    if isinstance(value, bool):
        return t["yes"] if value else t["no"]
    if key in _CHOICES and isinstance(value, str):
        return t.get(_CHOICES[key] + value, value)
    if key.endswith("_on") and isinstance(value, str):
        return day(value)
    if key == "taken_at" and isinstance(value, str):
        try:
            return local(datetime.fromisoformat(value)).strftime("%d/%m/%Y %H:%M")
        except ValueError:
            return value
    return str(value)


def _service(s: dict[str, Any]) -> str:
    when = f"{day(s.get('starts_on', ''))}–{day(s.get('ends_on', ''))}"
    parts = (s.get("service", ""), when, s.get("responsible", ""), s.get("provider") or "", money(s.get("cost_vnd")))
    return " · ".join(p for p in parts if p)


def describe(content: dict[str, Any], t: Mapping[str, str]) -> list[tuple[str, list[str]]]:
    """(label, lines) for each field of a stored form, in the form's order."""
    rows: list[tuple[str, list[str]]] = []
    keys = [k for k in _ORDER if k in content] + [k for k in content if k not in _ORDER]
    for key in dict.fromkeys(keys):
        value = content[key]
        if key == "services":
            lines = [_service(s) for s in value]
            total = sum(int(s.get("cost_vnd") or 0) for s in value)
            rows.append((t["services"], [*lines, f"{t['total']}: {money(total)}"] if value else []))
        elif key == "areas":
            for area in AREAS:
                if area in value:
                    found = value[area]
                    note = f" — {found['note']}" if found.get("note") else ""
                    rows.append((t["area_" + area], [_scalar("concern", found.get("concern"), t) + note]))
        elif key == "conference" and isinstance(value, dict):
            rows.append((t["conference"], [f"{t[k]}: {_scalar(k, value[k], t)}" for k in
                                           ("held_on", "chaired_by", "participants", "conclusions") if k in value]))
        else:
            rows.append((t.get(key, key), [_scalar(key, value, t)]))
        if key == "starts_on" and "decision" in content:  # a separation: at most 15 days (Decree 56 Art. 32(3))
            rows.append((t["review_by"], [_review_by(str(value))]))
    return rows


def _review_by(starts_on: str) -> str:
    try:
        return (date.fromisoformat(starts_on) + timedelta(days=SEPARATION_DAYS)).strftime("%d/%m/%Y")
    except ValueError:
        return starts_on
