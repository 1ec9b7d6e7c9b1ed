"""The workflow against a table written by hand from the law, not derived from `TRANSITIONS`.

`LAW` below is the procedure of Luật Trẻ em 102/2016 Art. 47–53 and Nghị định 56/2017 Art. 22–33
(../shared/law/) and docs/workflow.md, copied out by hand: from which state, which move, to which
state, who may make it, and what the move needs. The machine must agree in both directions: every
move here is allowed (to the right people, with what it needs), every other (state, move) is refused.
A new row in `workflows.case.machine.TRANSITIONS` makes this test fail until it is added here too, with
the article that allows it: that is the point.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass

import pytest

from core.errors import Conflict
from workflows.case.machine import (
    STATES,
    TERMINAL,
    TRIGGERS,
    Transition,
    TransitionRefused,
    allowed_triggers,
    fire,
)

ANYONE = None  # no role is required (the table's other guards may still need facts)
CHAIR = frozenset({"commune_chair"})  # Chủ tịch UBND xã
CHAIR_OR_SUPERVISOR = frozenset({"commune_chair", "supervisor"})

REASON = {"reason": "Xã khác / wrong commune"}
RISK = {"risk_level": "high"}
ORDER = {"decision": "Mẫu 07 số 12/QĐ"}  # the temporary separation decision
PLAN = {"plan": "Mẫu 04/05"}

# fmt: off
# (state, move): (destination, who may make it, what it needs)                        # where the law says so
LAW: dict[tuple[str, str], tuple[str, frozenset[str] | None, dict[str, str]]] = {
    # Intake: record at once (NĐ 56 Art. 25(1), Mẫu 01); a contact that is not a case ends here.
    ("received", "triage"):                          ("triaged",              ANYONE, {}),
    ("received", "record_counselling"):              ("counselling",          ANYONE, {}),
    ("triaged", "record_counselling"):               ("counselling",          ANYONE, {}),
    ("received", "record_information"):              ("information",          ANYONE, {}),
    ("triaged", "record_information"):               ("information",          ANYONE, {}),
    ("received", "record_silent"):                   ("silent",               ANYONE, {}),
    ("triaged", "record_silent"):                    ("silent",               ANYONE, {}),
    ("received", "merge_duplicate"):                 ("merged",               ANYONE, {}),
    ("triaged", "merge_duplicate"):                  ("merged",               ANYONE, {}),
    # A web report the finder could not place is still intake: a duplicate joins the case it repeats.
    ("needs_routing", "merge_duplicate"):            ("merged",               ANYONE, {}),
    # Forward at once to the commune where it happened (NĐ 56 Art. 26(1)); an operator routes what
    # the finder could not place, or what a team declined.
    ("received", "hold_for_routing"):                ("needs_routing",        ANYONE, {}),
    ("triaged", "hold_for_routing"):                 ("needs_routing",        ANYONE, {}),
    ("declined", "hold_for_routing"):                ("needs_routing",        ANYONE, {}),
    ("received", "assign"):                          ("assigned",             ANYONE, {}),
    ("triaged", "assign"):                           ("assigned",             ANYONE, {}),
    ("needs_routing", "assign"):                     ("assigned",             ANYONE, {}),
    ("declined", "assign"):                          ("assigned",             ANYONE, {}),
    # The commune team takes the case, declines it with a reason, or says it is not their commune.
    ("assigned", "acknowledge"):                     ("acknowledged",         ANYONE, {}),
    ("assigned", "decline"):                         ("declined",             ANYONE, REASON),
    ("assigned", "wrong_commune"):                   ("needs_routing",        ANYONE, {}),
    # Initial assessment, Mẫu 02, with a risk level (NĐ 56 Art. 26(2)).
    ("acknowledged", "report_assessment"):           ("assessed",             ANYONE, RISK),
    # Emergency protection within 12 h of T0 by the chair, police or clinic (NĐ 56 Art. 26(3), 31):
    # once assessed, or at once when the danger is plain before the Mẫu 02 is written.
    ("acknowledged", "start_emergency"):             ("emergency_protection", ANYONE, {}),
    ("assessed", "start_emergency"):                 ("emergency_protection", ANYONE, {}),
    # Temporary separation: only the commune chair decides it, by a Mẫu 07 decision (NĐ 56 Art. 32(2)).
    ("emergency_protection", "separate"):            ("separated",            CHAIR,  ORDER),
    # At most 15 days; re-assessed (Mẫu 03) by day 15 (NĐ 56 Art. 32(3)).
    ("separated", "reassess_separation"):            ("detailed_assessment",  ANYONE, {}),
    # Detailed assessment, Mẫu 03, and the case conference (NĐ 56 Art. 27, 31(3b)).
    ("assessed", "begin_detailed_assessment"):       ("detailed_assessment",  ANYONE, {}),
    ("emergency_protection", "begin_detailed_assessment"): ("detailed_assessment", ANYONE, {}),
    # The worker drafts the plan, Mẫu 04/05 (NĐ 56 Art. 28(1)); only the chair approves it (Art. 28(4)).
    ("detailed_assessment", "draft_plan"):           ("plan_drafted",         ANYONE, PLAN),
    ("plan_drafted", "approve_plan"):                ("intervening",          CHAIR,  {}),
    ("plan_drafted", "reject_plan"):                 ("detailed_assessment",  ANYONE, REASON),
    # Carry out the plan, then review it, Mẫu 06 (NĐ 56 Art. 29, 30(1–2)).
    ("intervening", "review"):                       ("reviewing",            ANYONE, {}),
    # Still at risk: plan again (Art. 30(1c)); stable: ask to end it (Art. 30(1b)), which the chair
    # (or the province supervisor) approves or sends back.
    ("reviewing", "replan"):                         ("detailed_assessment",  ANYONE, {}),
    ("reviewing", "request_closure"):                ("closure_requested",    ANYONE, REASON),
    ("closure_requested", "approve_closure"):        ("closed",               CHAIR_OR_SUPERVISOR, {}),
    ("closure_requested", "reject_closure"):         ("reviewing",            ANYONE, {}),
    ("closed", "reopen"):                            ("reviewing",            ANYONE, REASON),
}
# fmt: on

HAND_STATES = (
    "received", "triaged", "counselling", "information", "silent", "merged", "needs_routing", "assigned",
    "acknowledged", "declined", "assessed", "emergency_protection", "separated", "detailed_assessment",
    "plan_drafted", "intervening", "reviewing", "closure_requested", "closed",
)
HAND_TRIGGERS = tuple(dict.fromkeys(trigger for _, trigger in LAW))
ROLES = ("commune_worker", "commune_chair", "supervisor", "operator", "admin", None)
EVERYTHING = {"reason": "x", "risk_level": "high", "decision": "d", "plan": "p"}


@dataclass
class Case:
    state: str


def _facts(needs: dict[str, str], role: str | None) -> dict[str, str]:
    return {**needs, **({"actor_role": role} if role else {})}


def test_the_machine_knows_exactly_the_states_and_moves_of_the_law():
    assert set(STATES) == set(HAND_STATES) and len(STATES) == len(HAND_STATES)
    assert set(TRIGGERS) == set(HAND_TRIGGERS)
    assert TERMINAL == {"counselling", "information", "silent", "merged", "closed"}


@pytest.mark.parametrize("state", HAND_STATES)
def test_allowed_moves_from_each_state_are_the_laws(state: str):
    assert set(allowed_triggers(state)) == {t for s, t in LAW if s == state}


@pytest.mark.parametrize(("state", "trigger"), sorted(LAW))
def test_each_move_of_the_law_arrives_for_whoever_may_make_it(state: str, trigger: str):
    dest, who, needs = LAW[(state, trigger)]
    for role in ROLES if who is ANYONE else sorted(who):
        case = Case(state)
        step = fire(case, trigger, actor="someone", via="ui", **_facts(needs, role))
        assert case.state == dest
        assert step == Transition(trigger, state, dest, "someone", "ui", needs.get("reason"))


@pytest.mark.parametrize(("state", "trigger"), sorted(k for k, v in LAW.items() if v[1] is not ANYONE))
def test_a_move_reserved_to_some_people_is_refused_to_everyone_else(state: str, trigger: str):
    _, who, needs = LAW[(state, trigger)]
    assert who is not None
    for role in [r for r in ROLES if r not in who]:
        case = Case(state)
        with pytest.raises(TransitionRefused) as refused:
            fire(case, trigger, actor="someone", via="ui", **_facts({**EVERYTHING, **needs}, role))
        assert case.state == state and refused.value.field == "actor_role"


@pytest.mark.parametrize(("state", "trigger"), sorted(k for k, v in LAW.items() if v[2]))
def test_a_move_without_what_it_needs_is_refused(state: str, trigger: str):
    _, who, needs = LAW[(state, trigger)]
    role = None if who is ANYONE else sorted(who)[0]
    for missing in needs:
        for blank in (None, "", *(["  "] if missing == "reason" else [])):
            facts = {k: v for k, v in needs.items() if k != missing}
            if blank is not None:
                facts[missing] = blank
            case = Case(state)
            with pytest.raises(TransitionRefused) as refused:
                fire(case, trigger, actor="someone", via="sms", **_facts(facts, role))
            assert case.state == state and refused.value.field == missing


@pytest.mark.parametrize(("state", "trigger"), [
    (s, t) for s, t in itertools.product(HAND_STATES, HAND_TRIGGERS) if (s, t) not in LAW
])
def test_every_move_the_law_does_not_name_is_refused(state: str, trigger: str):
    case = Case(state)
    with pytest.raises(TransitionRefused) as refused:
        fire(case, trigger, actor="worker-7", via="sms", actor_role="commune_chair", **EVERYTHING)
    assert case.state == state
    assert refused.value.vi.startswith(f"Không thể thực hiện '{trigger}' khi ca đang ở trạng thái '{state}'")
    assert refused.value.en.startswith(f"Cannot '{trigger}' a case in state '{state}'")


def test_risk_levels_are_the_three_of_the_assessment_form():
    for level in ("high", "medium", "low"):
        fire(Case("acknowledged"), "report_assessment", actor="a", via="ui", risk_level=level)
    for level in ("critical", "HIGH", "cao"):
        with pytest.raises(TransitionRefused):
            fire(Case("acknowledged"), "report_assessment", actor="a", via="ui", risk_level=level)


def test_guard_messages_say_what_is_missing_vietnamese_first():
    with pytest.raises(TransitionRefused) as refused:
        fire(Case("assigned"), "decline", actor="a", via="sms", reason=" ")
    assert refused.value.vi.startswith("Cần có lý do")
    assert refused.value.en.startswith("A reason is required")
    assert str(refused.value) == refused.value.en
    assert isinstance(refused.value, Conflict) and refused.value.status == 409


def test_only_the_chair_separates_and_says_so():
    with pytest.raises(TransitionRefused) as refused:
        fire(Case("emergency_protection"), "separate", actor="a", via="ui", actor_role="commune_worker", **ORDER)
    assert "Chủ tịch UBND xã" in refused.value.vi and "commune chair" in refused.value.en


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
        ("separate", {"decision": "QĐ-1", "actor_role": "commune_chair"}),
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
