"""The commune pages' forms, read from what the browser posted and turned into a trigger's facts. Pure.

Each form lists its fields; a field the form needs and that is empty, a date that is not one, an end
before its start, a cost that is not a sum of money: each is a (vi, en) message under the field's
name, and the page shows the form again with everything typed kept. What the pages ask for is more than
the workflow's guards need (workflows.case.facts): a paper form is filled in full.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from workflows.case.facts import AREAS, SEPARATION_DAYS, Facts, parse_facts
from workflows.case.form01 import parse_date, parse_local_time
from workflows.case.machine import DECIDES, WHO, may_fire
from workflows.services.taxonomy import taxonomy

Message = tuple[str, str]
REQUIRED: Message = ("Mục này bắt buộc", "This field is required")
BAD_DATE: Message = ("Ngày không hợp lệ (ngày/tháng/năm)", "Not a date (dd/mm/yyyy)")
BAD_CHOICE: Message = ("Vui lòng chọn một mục trong danh sách", "Please choose one of the options")
BAD_MONEY: Message = ("Số tiền không hợp lệ (đồng, ví dụ 1.500.000)", "Not an amount in đồng (e.g. 1,500,000)")
ENDS_EARLY: Message = ("Ngày kết thúc trước ngày bắt đầu", "The end date is before the start date")
BAD_MOMENT: Message = ("Thời điểm không hợp lệ (ngày/tháng/năm giờ:phút)", "Not a time (dd/mm/yyyy hh:mm)")
TOO_MANY_DAYS: Message = (f"Tạm thời cách ly tối đa {SEPARATION_DAYS} ngày (NĐ 56/2017 Điều 32)",
                          f"A temporary separation lasts at most {SEPARATION_DAYS} days (Decree 56 Art. 32)")
TOO_LONG: Message = ("Nội dung quá dài", "Too long")
NO_SERVICE: Message = ("Kế hoạch cần ít nhất một dịch vụ, công việc (đủ tên, ngày, người phụ trách)",
                       "The plan needs at least one service or task (name, dates, responsible person)")
SERVICE_ROWS = 4  # lines of the plan's table on the page (no JavaScript to add more)
SERVICE_FIELDS = ("service", "starts_on", "ends_on", "responsible", "provider", "cost_vnd")
CONFERENCE_FIELDS = ("held_on", "chaired_by", "participants", "conclusions")
MAX_TEXT = 5000


@dataclass
class Posted:
    trigger: str
    reason: str | None = None
    facts: Facts | None = None
    errors: dict[str, Message] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Reader:
    """Reads fields one by one, remembering what is wrong with each."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values
        self.errors: dict[str, Message] = {}

    def text(self, name: str, *, required: bool = True, limit: int = MAX_TEXT) -> str | None:
        value = (self.values.get(name) or "").replace("\x00", "").strip()
        if len(value) > limit:
            self.errors[name] = TOO_LONG
            return None
        if not value and required:
            self.errors[name] = REQUIRED
        return value or None

    def short(self, name: str, *, required: bool = True) -> str | None:
        value = self.text(name, required=required, limit=200)
        return " ".join(value.split()) if value else None

    def choice(self, name: str, options: tuple[str, ...], *, required: bool = True) -> str | None:
        value = (self.values.get(name) or "").strip()
        if not value:
            if required:
                self.errors[name] = REQUIRED
            return None
        if value not in options:
            self.errors[name] = BAD_CHOICE
            return None
        return value

    def yes_no(self, name: str, *, required: bool = True) -> bool | None:
        found = self.choice(name, ("yes", "no"), required=required)
        return None if found is None else found == "yes"

    def day(self, name: str, *, required: bool = True) -> str | None:
        value = (self.values.get(name) or "").strip()
        if not value:
            if required:
                self.errors[name] = REQUIRED
            return None
        try:
            return parse_date(value).isoformat()
        except ValueError:
            self.errors[name] = BAD_DATE
            return None

    def moment(self, name: str) -> str | None:
        """A date and time typed in Vietnam time (the page's datetime-local field), as UTC ISO."""
        value = (self.values.get(name) or "").strip()
        if not value:
            self.errors[name] = REQUIRED
            return None
        try:
            return parse_local_time(value).isoformat()
        except ValueError:
            self.errors[name] = BAD_MOMENT
            return None

    def money(self, name: str) -> int | None:
        value = "".join((self.values.get(name) or "").split()).replace(".", "").replace(",", "")
        for suffix in ("đ", "d", "vnd", "VND", "đồng"):
            value = value.removesuffix(suffix)
        if not value:
            return None
        if not value.isdecimal() or len(value) > 12:  # not isdigit: "²" is a digit int() cannot read
            self.errors[name] = BAD_MONEY
            return None
        return int(value)


def _assessment(r: _Reader) -> dict[str, Any]:
    return {"risk_level": r.choice("risk_level", ("high", "medium", "low")),
            "harm": r.choice("harm", ("none", "mild", "serious", "very_serious")),
            "assessed_on": r.day("assessed_on"), "findings": r.text("findings"),
            "child_safe_now": r.yes_no("child_safe_now"), "emergency_needed": r.yes_no("emergency_needed"),
            "abuser_is_caregiver": r.yes_no("abuser_is_caregiver", required=False),
            "immediate_needs": r.text("immediate_needs", required=False)}


def _emergency(r: _Reader) -> dict[str, Any]:
    # NĐ 56/2017 Art. 31: the measure taken, by whom, when
    return {"measure": r.text("measure"), "taken_by": r.short("taken_by"), "taken_at": r.moment("taken_at")}


def _detailed(r: _Reader) -> dict[str, Any]:
    areas = {a: {"concern": r.choice(f"area-{a}-concern", ("none", "some", "serious")),
                 "note": r.text(f"area-{a}-note", required=False)} for a in AREAS}
    conference = {"held_on": r.day("conf-held_on"), "chaired_by": r.short("conf-chaired_by"),
                  "participants": r.text("conf-participants"), "conclusions": r.text("conf-conclusions")}
    return {"areas": areas, "conference": conference, "needs": r.text("needs", required=False)}


def _plan(r: _Reader) -> dict[str, Any]:
    services = []
    for i in range(SERVICE_ROWS):
        names = {f: f"svc-{i}-{f}" for f in SERVICE_FIELDS}
        if not any((r.values.get(n) or "").strip() for n in names.values()):
            continue  # an empty line of the table
        starts, ends = r.day(names["starts_on"]), r.day(names["ends_on"])
        line = {"service": r.short(names["service"]), "starts_on": starts, "ends_on": ends,
                "responsible": r.short(names["responsible"]), "provider": r.short(names["provider"], required=False),
                "cost_vnd": r.money(names["cost_vnd"])}
        if starts and ends and date.fromisoformat(ends) < date.fromisoformat(starts):
            r.errors[names["ends_on"]] = ENDS_EARLY
        line.update(_referral_of(r, i))
        services.append(line)
    if not services:
        r.errors.setdefault("svc-0-service", NO_SERVICE)
    return {"plan": r.text("plan"), "services": services}


def offer_value(agency_id: int | None, service_code: str) -> str:
    """A choice of the plan line's agency select: `<agency id>:<service>`, or `line:<service>` (the 111 line)."""
    return f"{agency_id if agency_id is not None else 'line'}:{service_code}"


def _referral_of(r: _Reader, i: int) -> dict[str, Any]:
    """Issue 19: the line's choice from the directory (none: the commune's own task) and the consents."""
    name = f"svc-{i}-offer"
    offer = (r.values.get(name) or "").strip()
    found: dict[str, Any] = {}
    if offer:
        who, _, code = offer.partition(":")
        if not code or code not in taxonomy().services or not (who == "line" or (who.isdecimal() and len(who) < 10)):
            r.errors[name] = BAD_CHOICE
        else:
            found = {"service_code": code, **({"to_line": True} if who == "line" else {"agency_id": int(who)})}
    child = r.yes_no(f"svc-{i}-consent_child", required=False)
    caregiver = r.yes_no(f"svc-{i}-consent_caregiver", required=False)
    if found and child is not None:
        found["consent_child"] = child
    if found and caregiver:
        found["consent_caregiver"] = True
    return found


def _separation(r: _Reader) -> dict[str, Any]:
    starts, ends = r.day("starts_on"), r.day("ends_on")
    _within_days(r, starts, ends)
    return {"decision": r.short("decision"), "starts_on": starts, "ends_on": ends, "safe_place": r.text("safe_place"),
            "carer": r.short("carer"), "grounds": r.text("grounds"),
            "family_refused_plan": r.yes_no("family_refused_plan", required=False)}


def _within_days(r: _Reader, starts: str | None, ends: str | None) -> None:
    if not (starts and ends):
        return
    span = date.fromisoformat(ends) - date.fromisoformat(starts)
    if span.days < 0:
        r.errors["ends_on"] = ENDS_EARLY
    elif span.days > SEPARATION_DAYS:
        r.errors["ends_on"] = TOO_MANY_DAYS


def _extension(r: _Reader) -> dict[str, Any]:
    # Art. 32(3): the chair's extension, within the 15 days from the separation's start (the service checks)
    return {"decision": r.short("decision"), "ends_on": r.day("ends_on"), "grounds": r.text("grounds", required=False)}


def _no_plan(r: _Reader) -> dict[str, Any]:
    # Art. 26(2), 27(2): no plan is needed; the reason written is kept as the move's reason
    return {"grounds": r.choice("grounds", ("no_further_risk", "unfounded", "moved_away"))}


def _separation_review(r: _Reader) -> dict[str, Any]:
    return {"outcome": r.choice("outcome", ("return_home", "alternative_care", "extended_by_order")),
            "findings": r.text("findings")}


def _review(r: _Reader) -> dict[str, Any]:
    return {"reviewed_on": r.day("reviewed_on"), "child_now": r.text("child_now"),
            "environment_safe": r.yes_no("environment_safe"),
            "risk_level": r.choice("risk_level", ("high", "medium", "low")),
            "goals_met": r.choice("goals_met", ("all", "partly", "none")),
            "recommendation": r.choice("recommendation", ("close", "continue", "replan"))}


def _approval(r: _Reader) -> dict[str, Any]:
    return {"decision_no": r.short("decision_no", required=False), "note": r.text("note", required=False)}


def _closure(r: _Reader) -> dict[str, Any]:
    return {"grounds": r.choice("grounds", ("no_risk_stable", "moved_away", "adult", "other"))}


# trigger -> (how its facts are read, whether a reason is required on the page)
FORMS: dict[str, tuple[Callable[[_Reader], dict[str, Any]] | None, bool]] = {
    "acknowledge": (None, False),
    "report_assessment": (_assessment, False),
    "start_emergency": (_emergency, False),
    "separate": (_separation, False),
    "extend_separation": (_extension, False),
    "revoke_separation": (None, True),
    "reassess_separation": (_separation_review, False),
    "begin_detailed_assessment": (_detailed, False),
    "close_without_plan": (_no_plan, True),
    "draft_plan": (_plan, False),
    "approve_plan": (_approval, False),
    "reject_plan": (None, True),
    "review": (_review, False),
    "replan": (None, True),
    "request_closure": (_closure, True),
    "approve_closure": (None, False),
    "reject_closure": (None, True),
}


def may_fill(role: str, trigger: str) -> bool:
    """Whether a commune user's role may send this form: the workflow table's `who`, nothing of its own."""
    return trigger in FORMS and may_fire(role, trigger)


def chairs_decision(trigger: str) -> bool:
    """A decision the table leaves to the chair (or a vice chair signing for the chair) alone."""
    return bool(WHO.get(trigger)) and set(WHO[trigger]) <= set(DECIDES)


def read_form(trigger: str, values: Mapping[str, str]) -> Posted:
    """The trigger's facts and reason from a posted form, or the errors per field."""
    if trigger not in FORMS:
        return Posted(trigger, errors={"trigger": BAD_CHOICE})
    read, needs_reason = FORMS[trigger]
    r = _Reader(values)
    reason = r.text("reason", required=needs_reason, limit=1000)
    raw = read(r) if read is not None else {}
    if r.errors:
        return Posted(trigger, reason, errors=r.errors)
    try:
        facts = parse_facts(trigger, _without_none(raw))
    except ValidationError as invalid:  # what the page's own checks let through (should be nothing)
        return Posted(trigger, reason, errors={_field_of(e["loc"]): (REQUIRED if e["type"] == "missing" else
                                                                      BAD_CHOICE) for e in invalid.errors()})
    return Posted(trigger, reason, facts=facts)


def _without_none(raw: Any) -> Any:
    if isinstance(raw, dict):
        return {k: _without_none(v) for k, v in raw.items() if v is not None}
    if isinstance(raw, list):
        return [_without_none(v) for v in raw]
    return raw


def _field_of(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts[:1] == ["areas"]:
        return "-".join(["area", *parts[1:]])
    if parts[:1] == ["conference"]:
        return "-".join(["conf", *parts[1:]])
    if parts[:1] == ["services"]:
        return "-".join(["svc", *parts[1:]]) if len(parts) > 2 else f"svc-{parts[1] if len(parts) > 1 else 0}-ends_on"
    return parts[0] if parts else "form"
