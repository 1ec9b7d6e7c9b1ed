"""The case workflow: one table, guards for the rules, `fire` as the only way to move a case.

Pure: no I/O. `fire` checks the table and the guards itself (to say exactly why a move is refused),
then lets a `transitions` Machine move a token standing for the case, and copies the new state
back to the case only when it succeeded, so a refused or failed move leaves `case.state` unchanged.
Each thread builds its Machine and token once (building one costs about half a millisecond, on every
report) and reuses them: nothing is shared between threads (no queue, no add_model resetting a shared
model's state), and the token is set to the case's state before every move.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from transitions import EventData, Machine

from core.errors import Conflict

STATES: tuple[str, ...] = (
    "received", "triaged",                                          # intake (Mẫu 01)
    "counselling", "information", "silent", "merged",               # not a case: terminal outcomes
    "needs_routing", "assigned", "acknowledged", "declined",        # routing to the commune
    "assessed",                                                     # Mẫu 02, risk High/Medium/Low
    "emergency_protection", "separated",                            # ≤ 12 h from T0; Mẫu 07, ≤ 15 days
    "detailed_assessment", "plan_drafted", "intervening",           # Mẫu 03, Mẫu 04/05, approved plan
    "reviewing", "closure_requested", "closed",                     # Mẫu 06, closure approval
)

INTAKE = ("received", "triaged")
ROUTABLE = (*INTAKE, "needs_routing", "declined")  # where an operator or the router can assign

# Who may fire a trigger (NĐ 56/2017 Art. 25-32), by workflow role: the commune's people take the commune's
# steps; the chair (or a vice chair acting for the chair, "KT. Chủ tịch") decides separation, its end or
# extension, the plan and closure; `system` is the service itself (the router at intake).
OFFICER, CHAIR, VICE_CHAIR, POLICE = "commune_officer", "commune_chair", "commune_vice_chair", "commune_police"
MEMBER = "commune_member"  # another member of the commune team (health station, village collaborator)
OPERATOR, SHIFT_LEAD, SUPERVISOR, SYSTEM = "operator", "shift_lead", "province_supervisor", "system"
LINE = (OPERATOR, SHIFT_LEAD)
DECIDES = (CHAIR, VICE_CHAIR)  # the chair's decisions; a vice chair signs "KT. Chủ tịch", recorded as such
COMMUNE = (OFFICER, CHAIR, VICE_CHAIR, POLICE)
TEAM = (*COMMUNE, MEMBER)

# fmt: off
TRANSITIONS: tuple[tuple[str, str | tuple[str, ...], str, str | None, tuple[str, ...]], ...] = (
    # (trigger, source(s), destination, guard, who may fire it)
    ("triage", "received", "triaged", None, LINE),
    ("record_counselling", INTAKE, "counselling", None, LINE),
    ("record_information", INTAKE, "information", None, LINE),
    ("record_silent", INTAKE, "silent", None, LINE),
    ("merge_duplicate", (*INTAKE, "needs_routing"), "merged", None, LINE),
    ("hold_for_routing", (*INTAKE, "declined"), "needs_routing", None, (*LINE, SYSTEM)),
    ("assign", ROUTABLE, "assigned", None, (*LINE, SUPERVISOR, SYSTEM)),
    ("acknowledge", "assigned", "acknowledged", None, TEAM),
    ("decline", "assigned", "declined", "has_reason", TEAM),
    ("wrong_commune", "assigned", "needs_routing", None, TEAM),
    ("report_assessment", "acknowledged", "assessed", "has_risk", (OFFICER,)),
    ("start_emergency", ("acknowledged", "assessed"), "emergency_protection", "has_measure", COMMUNE),
    ("separate", ("emergency_protection", "detailed_assessment", "intervening"), "separated", "has_order", DECIDES),
    ("extend_separation", "separated", "separated", "has_end", DECIDES),
    ("revoke_separation", "separated", "detailed_assessment", "has_reason", DECIDES),
    ("reassess_separation", "separated", "detailed_assessment", None, (OFFICER,)),
    ("begin_detailed_assessment", ("assessed", "emergency_protection"), "detailed_assessment", None, (OFFICER,)),
    ("close_without_plan", ("assessed", "detailed_assessment"), "closed", "has_grounds", DECIDES),
    ("draft_plan", "detailed_assessment", "plan_drafted", "has_plan", (OFFICER,)),
    ("approve_plan", "plan_drafted", "intervening", None, DECIDES),
    ("reject_plan", "plan_drafted", "detailed_assessment", "has_reason", DECIDES),
    ("review", "intervening", "reviewing", None, (OFFICER,)),
    ("replan", "reviewing", "detailed_assessment", None, (OFFICER, *DECIDES)),
    ("request_closure", "reviewing", "closure_requested", "has_reason", (OFFICER,)),
    ("approve_closure", "closure_requested", "closed", None, DECIDES),
    ("reject_closure", "closure_requested", "reviewing", None, DECIDES),
    ("reopen", "closed", "reviewing", "has_reason", (*DECIDES, SUPERVISOR)),
)
# fmt: on

# Work on these is finished and no SLA clock runs; only `reopen` leaves `closed`.
TERMINAL: frozenset[str] = frozenset({"counselling", "information", "silent", "merged", "closed"})
VIA: frozenset[str] = frozenset({"ui", "sms", "api", "voice", "link", "system"})
RISK_LEVELS: frozenset[str] = frozenset({"high", "medium", "low"})
WORKFLOW_ROLES: frozenset[str] = frozenset({*TEAM, *LINE, SUPERVISOR, SYSTEM})
# What a refusal calls each role (plain words, never a role id).
ROLE_WORDS: dict[str, tuple[str, str]] = {
    OFFICER: ("cán bộ bảo vệ trẻ em cấp xã", "the commune child-protection officer"),
    CHAIR: ("Chủ tịch UBND xã", "the commune chair"),
    VICE_CHAIR: ("Phó Chủ tịch UBND xã ký thay Chủ tịch", "a vice chair signing for the chair"),
    POLICE: ("công an xã", "the commune police"),
    MEMBER: ("thành viên nhóm bảo vệ trẻ em của xã", "a member of the commune team"),
    OPERATOR: ("tư vấn viên tổng đài", "a hotline operator"),
    SHIFT_LEAD: ("trưởng ca tổng đài", "the hotline shift lead"),
    SUPERVISOR: ("giám sát viên cấp tỉnh", "the province supervisor"),
    SYSTEM: ("hệ thống", "the system"),
}


class HasState(Protocol):
    state: str


class TransitionRefused(Conflict):
    """The move is not in the table from this state, or a guard said no."""

    def __init__(self, vi: str, en: str, *, state: str, trigger: str, field: str | None = None) -> None:
        super().__init__(vi, en, field=field)
        self.state = state
        self.trigger = trigger


@dataclass(frozen=True)
class Transition:
    trigger: str
    source: str
    dest: str
    actor: str
    via: str
    reason: str | None


def _sources(source: str | tuple[str, ...]) -> tuple[str, ...]:
    return (source,) if isinstance(source, str) else source


_BY_KEY: dict[tuple[str, str], tuple[str, str | None]] = {
    (source, trigger): (dest, guard)
    for trigger, sources, dest, guard, _who in TRANSITIONS
    for source in _sources(sources)
}
WHO: dict[str, tuple[str, ...]] = {row[0]: row[4] for row in TRANSITIONS}


def may_fire(role: str | None, trigger: str) -> bool:
    """Whether a workflow role may fire `trigger` (the table's `who`); an unknown role may fire nothing."""
    return role is not None and role in WHO.get(trigger, ())


def who_may(trigger: str) -> tuple[str, str]:
    """Who may fire `trigger`, in plain Vietnamese and English (for a refusal)."""
    roles = [r for r in WHO.get(trigger, ()) if r != SYSTEM]
    return (", ".join(ROLE_WORDS[r][0] for r in roles), ", ".join(ROLE_WORDS[r][1] for r in roles))
TRIGGERS: tuple[str, ...] = tuple(dict.fromkeys(row[0] for row in TRANSITIONS))


# A guard returns None when satisfied, else (vi, en, field) saying what is missing.
Refusal = tuple[str, str, str]
Guard = Callable[[str | None, Mapping[str, Any]], Refusal | None]


def _has_reason(reason: str | None, facts: Mapping[str, Any]) -> Refusal | None:
    if reason and reason.strip():
        return None
    return ("Cần có lý do", "A reason is required", "reason")


def _has_risk_level(reason: str | None, facts: Mapping[str, Any]) -> Refusal | None:
    if facts.get("risk_level") in RISK_LEVELS:
        return None
    return ("Cần ghi mức độ nguy cơ: high (cao), medium (trung bình) hoặc low (thấp)",
            "A risk level is required: high, medium or low", "risk_level")


def _has_order(reason: str | None, facts: Mapping[str, Any]) -> Refusal | None:
    # NĐ 56/2017 Art. 32(2)-(3): the chair's decision (Mẫu 07), with its dates, at most 15 days.
    if not facts.get("decision"):
        return ("Cần có quyết định tạm thời cách ly (Mẫu 07)",
                "The temporary separation decision (form 07) is required", "decision")
    for name in ("starts_on", "ends_on"):
        if not facts.get(name):
            return ("Cần ghi ngày bắt đầu và ngày kết thúc cách ly (tối đa 15 ngày)",
                    "The separation's start and end dates are required (at most 15 days)", name)
    return None


def _has_end(reason: str | None, facts: Mapping[str, Any]) -> Refusal | None:
    for name in ("decision", "ends_on"):
        if not facts.get(name):
            return ("Cần có quyết định gia hạn và ngày kết thúc mới (tổng cộng tối đa 15 ngày)",
                    "The extension decision and the new end date are required (15 days in all at most)", name)
    return None


def _has_measure(reason: str | None, facts: Mapping[str, Any]) -> Refusal | None:
    # NĐ 56/2017 Art. 31: the measure taken, who took it and when, kept with the case.
    for name in ("measure", "taken_by", "taken_at"):
        if not facts.get(name):
            return ("Cần ghi biện pháp khẩn cấp đã áp dụng: biện pháp gì, ai thực hiện, lúc nào",
                    "The emergency measure is required: what, by whom, when", name)
    return None


def _has_grounds(reason: str | None, facts: Mapping[str, Any]) -> Refusal | None:
    # NĐ 56/2017 Art. 26(2), 27(2): no plan is needed (no further risk, unfounded, the child moved away).
    if not facts.get("grounds"):
        return ("Cần ghi căn cứ kết thúc khi không cần kế hoạch: không còn nguy cơ, không có căn cứ, trẻ đã chuyển đi",
                "The grounds for closing without a plan are required: no further risk, unfounded, moved away",
                "grounds")
    return _has_reason(reason, facts)


def _has_plan(reason: str | None, facts: Mapping[str, Any]) -> Refusal | None:
    if facts.get("plan"):
        return None
    return ("Cần có kế hoạch hỗ trợ, can thiệp (Mẫu 04/05)",
            "The support and intervention plan (forms 04/05) is required", "plan")


GUARDS: dict[str, Guard] = {
    "has_reason": _has_reason,
    "has_risk": _has_risk_level,
    "has_order": _has_order,
    "has_end": _has_end,
    "has_measure": _has_measure,
    "has_grounds": _has_grounds,
    "has_plan": _has_plan,
}


def allowed_triggers(state: str) -> list[str]:
    """The triggers the table allows from `state`, in table order (guards not evaluated)."""
    return [trigger for trigger in TRIGGERS if (state, trigger) in _BY_KEY]


def fire(
    case: HasState, trigger: str, *, actor: str, via: str, reason: str | None = None, **facts: Any
) -> Transition:
    """Move `case` by `trigger`; on refusal raise TransitionRefused and leave `case.state` as it was."""
    state = case.state
    dest, _ = _check(state, trigger, via=via, reason=reason, facts=facts)
    token = _thread_token(state)
    if not token.trigger(trigger, actor=actor, via=via, reason=reason, **facts) or token.state != dest:
        raise _refused(state, trigger)
    assert token.recorded is not None
    case.state = token.state
    return token.recorded


def _check(
    state: str, trigger: str, *, via: str, reason: str | None, facts: Mapping[str, Any]
) -> tuple[str, str | None]:
    if via not in VIA:
        raise TransitionRefused(
            f"Kênh '{via}' không hợp lệ (cho phép: {', '.join(sorted(VIA))})",
            f"Unknown channel '{via}' (allowed: {', '.join(sorted(VIA))})",
            state=state, trigger=trigger, field="via",
        )
    found = _BY_KEY.get((state, trigger))
    if found is None:
        raise _refused(state, trigger)
    dest, guard = found
    if not may_fire(facts.get("actor_role"), trigger):
        vi, en = who_may(trigger)
        raise TransitionRefused(f"Bước này chỉ do {vi} thực hiện", f"Only {en} may take this step",
                                state=state, trigger=trigger, field="actor_role")
    refusal = GUARDS[guard](reason, facts) if guard else None
    if refusal is not None:
        vi, en, field = refusal
        raise TransitionRefused(
            f"{vi} (thao tác '{trigger}' ở trạng thái '{state}')",
            f"{en} (trigger '{trigger}' in state '{state}')",
            state=state, trigger=trigger, field=field,
        )
    return dest, guard


def _refused(state: str, trigger: str) -> TransitionRefused:
    allowed = ", ".join(allowed_triggers(state)) or "—"
    return TransitionRefused(
        f"Không thể thực hiện '{trigger}' khi ca đang ở trạng thái '{state}' (được phép: {allowed})",
        f"Cannot '{trigger}' a case in state '{state}' (allowed: {allowed})",
        state=state, trigger=trigger,
    )


def _guard_condition(name: str) -> Callable[[EventData], bool]:
    check = GUARDS[name]

    def condition(event: EventData) -> bool:
        kwargs = dict(event.kwargs)
        return check(kwargs.pop("reason", None), kwargs) is None

    condition.__name__ = name
    return condition


class _Token:
    """What the Machine moves; the case itself never gets trigger methods bolted on."""

    trigger: Callable[..., bool]  # bound by transitions on the instance

    def __init__(self, state: str) -> None:
        self.state = state
        self.recorded: Transition | None = None

    def record(self, event: EventData) -> None:
        # Callbacks only record: no I/O, nothing that can fail after the state changed.
        assert event.transition is not None
        kw = event.kwargs
        self.recorded = Transition(
            trigger=event.event.name if event.event else "", source=event.transition.source,
            dest=event.transition.dest or event.transition.source,
            actor=kw["actor"], via=kw["via"], reason=kw.get("reason"),
        )


_per_thread = threading.local()


def _thread_token(state: str) -> _Token:
    """This thread's token (its Machine made on first use), standing for a case in `state`."""
    token: _Token | None = getattr(_per_thread, "token", None)
    if token is None:
        token = _per_thread.token = _Token(state)
        Machine(model=token, states=list(STATES), transitions=_MACHINE_TRANSITIONS, initial=state,
                auto_transitions=False, send_event=True, after_state_change="record")
    token.state, token.recorded = state, None
    return token


def _machine_transitions() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for trigger, sources, dest, guard, _who in TRANSITIONS:
        row: dict[str, Any] = {"trigger": trigger, "source": list(_sources(sources)), "dest": dest}
        if guard:
            row["conditions"] = [_guard_condition(guard)]
        rows.append(row)
    return rows


_MACHINE_TRANSITIONS = _machine_transitions()
