"""Every (state, trigger) pair: allowed moves arrive, everything else is refused and changes nothing."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass

import pytest

from core.errors import Conflict
from workflows.machine import (
    STATES,
    TERMINAL,
    TRANSITIONS,
    TRIGGERS,
    Transition,
    TransitionRefused,
    allowed_triggers,
    fire,
)

# Facts that satisfy each guard.
SATISFY: dict[str | None, dict[str, object]] = {
    None: {},
    "has_reason": {"reason": "Xã khác / wrong commune"},
    "has_risk": {"risk_level": "high"},
    "has_order": {"decision": "QĐ 12/2026"},
    "has_plan": {"plan": "plan-1"},
    "is_chair": {"actor_role": "commune_chair"},
    "may_close": {"actor_role": "supervisor"},
}
# Facts that fail each guard (a guard has more than one way to fail).
FAIL: dict[str, list[dict[str, object]]] = {
    "has_reason": [{}, {"reason": ""}, {"reason": "   "}],
    "has_risk": [{}, {"risk_level": "critical"}, {"risk_level": "HIGH"}],
    "has_order": [{}, {"decision": ""}],
    "has_plan": [{}, {"plan": None}],
    "is_chair": [{}, {"actor_role": "commune_worker"}, {"actor_role": "supervisor"}],
    "may_close": [{}, {"actor_role": "commune_worker"}],
}


@dataclass
class Case:
    state: str


EXPECTED: dict[tuple[str, str], tuple[str, str | None]] = {}
for _trigger, _sources, _dest, _guard in TRANSITIONS:
    for _source in (_sources,) if isinstance(_sources, str) else _sources:
        assert (_source, _trigger) not in EXPECTED, "the table must not be ambiguous"
        EXPECTED[(_source, _trigger)] = (_dest, _guard)


def test_table_names_only_known_states_and_is_what_the_brief_says():
    assert len(STATES) == len(set(STATES)) == 19
    assert {s for s, _ in EXPECTED} | {d for d, _ in EXPECTED.values()} <= set(STATES)
    assert TERMINAL == {"counselling", "information", "silent", "merged", "closed"}
    assert EXPECTED[("assigned", "decline")] == ("declined", "has_reason")
    assert EXPECTED[("plan_drafted", "approve_plan")] == ("intervening", "is_chair")


@pytest.mark.parametrize(("state", "trigger"), list(itertools.product(STATES, TRIGGERS)))
def test_every_state_and_trigger(state: str, trigger: str):
    case = Case(state)
    if (state, trigger) in EXPECTED:
        dest, guard = EXPECTED[(state, trigger)]
        facts = dict(SATISFY[guard])
        step = fire(case, trigger, actor="worker-7", via="sms", **facts)  # type: ignore[arg-type]
        assert case.state == dest
        assert step == Transition(trigger, state, dest, "worker-7", "sms", facts.get("reason"))  # type: ignore[arg-type]
        assert trigger in allowed_triggers(state)
    else:
        with pytest.raises(TransitionRefused) as refused:
            fire(
                case,
                trigger,
                actor="worker-7",
                via="sms",
                reason="x",
                risk_level="high",
                decision="d",
                plan="p",
                actor_role="commune_chair",
            )
        assert case.state == state
        assert f"'{trigger}'" in refused.value.vi and f"'{state}'" in refused.value.vi
        assert refused.value.vi.startswith("Không thể thực hiện")
        assert refused.value.en.startswith(f"Cannot '{trigger}' a case in state '{state}'")
        assert trigger not in allowed_triggers(state)


GUARDED = [(s, t, g) for (s, t), (_, g) in EXPECTED.items() if g]


@pytest.mark.parametrize(("state", "trigger", "guard"), GUARDED)
def test_guard_failures_are_refused_and_change_nothing(state: str, trigger: str, guard: str):
    for facts in FAIL[guard]:
        case = Case(state)
        with pytest.raises(TransitionRefused) as refused:
            fire(case, trigger, actor="a", via="ui", **facts)  # type: ignore[arg-type]
        assert case.state == state
        assert refused.value.field in {"reason", "risk_level", "decision", "plan", "actor_role"}


def test_guard_messages_say_what_is_missing_vietnamese_first():
    with pytest.raises(TransitionRefused) as refused:
        fire(Case("assigned"), "decline", actor="a", via="sms", reason=" ")
    assert refused.value.vi.startswith("Cần có lý do")
    assert refused.value.en.startswith("A reason is required")
    assert str(refused.value) == refused.value.en
    assert isinstance(refused.value, Conflict) and refused.value.status == 409


@pytest.mark.parametrize("via", ["web", "", "SMS", "email"])
def test_unknown_channel_is_refused(via: str):
    case = Case("assigned")
    with pytest.raises(TransitionRefused) as refused:
        fire(case, "acknowledge", actor="a", via=via)
    assert case.state == "assigned" and refused.value.field == "via"


def test_unknown_trigger_and_state_are_refused():
    with pytest.raises(TransitionRefused):
        fire(Case("received"), "teleport", actor="a", via="ui")
    with pytest.raises(TransitionRefused):
        fire(Case("limbo"), "assign", actor="a", via="ui")


def test_terminal_states_have_no_way_out_but_reopen():
    for state in TERMINAL:
        assert allowed_triggers(state) == (["reopen"] if state == "closed" else [])


def test_the_case_object_gets_no_trigger_methods():
    case = Case("received")
    fire(case, "assign", actor="op", via="ui")
    assert not hasattr(case, "acknowledge") and not hasattr(case, "trigger")


def test_a_whole_case_from_call_to_closure():
    case = Case("received")
    path = [
        ("triage", {}),
        ("assign", {}),
        ("acknowledge", {}),
        ("report_assessment", {"risk_level": "high"}),
        ("start_emergency", {}),
        ("separate", {"decision": "QĐ-1"}),
        ("reassess_separation", {}),
        ("draft_plan", {"plan": "p"}),
        ("approve_plan", {"actor_role": "commune_chair"}),
        ("review", {}),
        ("request_closure", {"reason": "ổn định / stable"}),
        ("approve_closure", {"actor_role": "commune_chair"}),
    ]
    for trigger, facts in path:
        fire(case, trigger, actor="x", via="ui", **facts)
    assert case.state == "closed"


def test_concurrent_fires_do_not_interfere():
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            for _ in range(20):
                case = Case("assigned")
                fire(case, "acknowledge" if i % 2 else "decline", actor=str(i), via="sms", reason="r")
                assert case.state == ("acknowledged" if i % 2 else "declined")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
