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

# fmt: off
TRANSITIONS: tuple[tuple[str, str | tuple[str, ...], str, str | None], ...] = (
    # trigger                     source(s)                             dest                    guard
    ("triage",                    "received",                           "triaged",              None),
    ("record_counselling",        INTAKE,                               "counselling",          None),
    ("record_information",        INTAKE,                               "information",          None),
    ("record_silent",             INTAKE,                               "silent",               None),
    ("merge_duplicate",           (*INTAKE, "needs_routing"),           "merged",               None),
    ("hold_for_routing",          (*INTAKE, "declined"),                "needs_routing",        None),
    ("assign",                    ROUTABLE,                             "assigned",             None),
    ("acknowledge",               "assigned",                           "acknowledged",         None),
    ("decline",                   "assigned",                           "declined",             "has_reason"),
    ("wrong_commune",             "assigned",                           "needs_routing",        None),
    ("report_assessment",         "acknowledged",                       "assessed",             "has_risk"),
    ("start_emergency",           ("acknowledged", "assessed"),         "emergency_protection", None),
    ("separate",                  "emergency_protection",               "separated",            "chair_orders"),
    ("reassess_separation",       "separated",                          "detailed_assessment",  None),
    ("begin_detailed_assessment", ("assessed", "emergency_protection"), "detailed_assessment",  None),
    ("draft_plan",                "detailed_assessment",                "plan_drafted",         "has_plan"),
    ("approve_plan",              "plan_drafted",                       "intervening",          "is_chair"),
    ("reject_plan",               "plan_drafted",                       "detailed_assessment",  "has_reason"),
    ("review",                    "intervening",                        "reviewing",            None),
    ("replan",                    "reviewing",                          "detailed_assessment",  None),
    ("request_closure",           "reviewing",                          "closure_requested",    "has_reason"),
    ("approve_closure",           "closure_requested",                  "closed",               "may_close"),
    ("reject_closure",            "closure_requested",                  "reviewing",            None),
    ("reopen",                    "closed",                             "reviewing",            "has_reason"),
)
# fmt: on

# Work on these is finished and no SLA clock runs; only `reopen` leaves `closed`.
TERMINAL: frozenset[str] = frozenset({"counselling", "information", "silent", "merged", "closed"})
VIA: frozenset[str] = frozenset({"ui", "sms", "api", "voice", "link", "system"})
RISK_LEVELS: frozenset[str] = frozenset({"high", "medium", "low"})
CLOSING_ROLES: frozenset[str] = frozenset({"province_supervisor", "supervisor", "commune_chair"})


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
    for trigger, sources, dest, guard in TRANSITIONS
    for source in _sources(sources)
}
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


def _has_decision(reason: str | None, facts: Mapping[str, Any]) -> Refusal | None:
    if facts.get("decision"):
        return None
    return ("Cần có quyết định tạm thời cách ly (Mẫu 07)",
            "The temporary separation decision (form 07) is required", "decision")


def _has_plan(reason: str | None, facts: Mapping[str, Any]) -> Refusal | None:
    if facts.get("plan"):
        return None
    return ("Cần có kế hoạch hỗ trợ, can thiệp (Mẫu 04/05)",
            "The support and intervention plan (forms 04/05) is required", "plan")


def _actor_is_commune_chair(reason: str | None, facts: Mapping[str, Any]) -> Refusal | None:
    if facts.get("actor_role") == "commune_chair":
        return None
    return ("Chỉ Chủ tịch UBND xã được phê duyệt kế hoạch",
            "Only the commune chair may approve the plan", "actor_role")


def _chair_orders_separation(reason: str | None, facts: Mapping[str, Any]) -> Refusal | None:
    # NĐ 56/2017 Art. 32(2): only the commune chair decides a temporary separation (Mẫu 07).
    if facts.get("actor_role") != "commune_chair":
        return ("Chỉ Chủ tịch UBND xã được quyết định tạm thời cách ly",
                "Only the commune chair may decide a temporary separation", "actor_role")
    return _has_decision(reason, facts)


def _actor_may_close(reason: str | None, facts: Mapping[str, Any]) -> Refusal | None:
    if facts.get("actor_role") in CLOSING_ROLES:
        return None
    return ("Chỉ giám sát viên hoặc Chủ tịch UBND xã được đóng ca",
            "Only a supervisor or the commune chair may close the case", "actor_role")


GUARDS: dict[str, Guard] = {
    "has_reason": _has_reason,
    "has_risk": _has_risk_level,
    "chair_orders": _chair_orders_separation,
    "has_plan": _has_plan,
    "is_chair": _actor_is_commune_chair,
    "may_close": _actor_may_close,
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
    for trigger, sources, dest, guard in TRANSITIONS:
        row: dict[str, Any] = {"trigger": trigger, "source": list(_sources(sources)), "dest": dest}
        if guard:
            row["conditions"] = [_guard_condition(guard)]
        rows.append(row)
    return rows


_MACHINE_TRANSITIONS = _machine_transitions()
