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

# Who may make a move, by the law (issue 18: authority per step, for every channel).
LINE = frozenset({"operator", "shift_lead"})  # the 111 line receives and forwards (NĐ 56 Art. 22, 25, 26(1))
ROUTERS = LINE | {"province_supervisor", "system"}  # the router at intake; a supervisor within the province
CHAIR = frozenset({"commune_chair", "commune_vice_chair"})  # Chủ tịch UBND xã, or KT. Chủ tịch
WORKER = frozenset({"commune_officer"})  # người làm công tác bảo vệ trẻ em cấp xã
COMMUNE = WORKER | CHAIR | {"commune_police"}
TEAM = COMMUNE | {"commune_member"}  # whoever of the commune team got the assignment

REASON = {"reason": "Xã khác / wrong commune"}
RISK = {"risk_level": "high"}
ORDER = {"decision": "Mẫu 07 số 12/QĐ", "starts_on": "2026-01-05", "ends_on": "2026-01-19"}
EXTEND = {"decision": "Mẫu 07 gia hạn", "ends_on": "2026-01-19"}
MEASURE = {"measure": "Công an xã ngăn chặn", "taken_by": "Công an xã", "taken_at": "2026-01-05T10:00:00+07:00"}
NO_PLAN = {"grounds": "unfounded", "reason": "Không có căn cứ"}
PLAN = {"plan": "Mẫu 04/05"}

# fmt: off
# (state, move): (destination, who may make it, what it needs)                        # where the law says so
LAW: dict[tuple[str, str], tuple[str, frozenset[str], dict[str, str]]] = {
    # Intake: record at once (NĐ 56 Art. 25(1), Mẫu 01); a contact that is not a case ends here.
    ("received", "triage"):                          ("triaged",              LINE,    {}),
    ("received", "record_counselling"):              ("counselling",          LINE,    {}),
    ("triaged", "record_counselling"):               ("counselling",          LINE,    {}),
    ("received", "record_information"):              ("information",          LINE,    {}),
    ("triaged", "record_information"):               ("information",          LINE,    {}),
    ("received", "record_silent"):                   ("silent",               LINE,    {}),
    ("triaged", "record_silent"):                    ("silent",               LINE,    {}),
    ("received", "merge_duplicate"):                 ("merged",               LINE,    {}),
    ("triaged", "merge_duplicate"):                  ("merged",               LINE,    {}),
    ("needs_routing", "merge_duplicate"):            ("merged",               LINE,    {}),
    # Forward at once to the commune where it happened (NĐ 56 Art. 26(1)).
    ("received", "hold_for_routing"):                ("needs_routing",        LINE | {"system"}, {}),
    ("triaged", "hold_for_routing"):                 ("needs_routing",        LINE | {"system"}, {}),
    ("declined", "hold_for_routing"):                ("needs_routing",        LINE | {"system"}, {}),
    ("received", "assign"):                          ("assigned",             ROUTERS, {}),
    ("triaged", "assign"):                           ("assigned",             ROUTERS, {}),
    ("needs_routing", "assign"):                     ("assigned",             ROUTERS, {}),
    ("declined", "assign"):                          ("assigned",             ROUTERS, {}),
    # The commune's people take the commune's steps: the team takes the case, declines it, or says it
    # is not their commune; an operator cannot do it for them.
    ("assigned", "acknowledge"):                     ("acknowledged",         TEAM,    {}),
    ("assigned", "decline"):                         ("declined",             TEAM,    REASON),
    ("assigned", "wrong_commune"):                   ("needs_routing",        TEAM,    {}),
    # The chair directs the worker to make the initial assessment, Mẫu 02 (NĐ 56 Art. 26(2)).
    ("acknowledged", "report_assessment"):           ("assessed",             WORKER,  RISK),
    # Emergency protection within 12 h of T0 by the chair, the police, the worker (Art. 26(3), 31(3)-(4)),
    # with the measure recorded: what, by whom, when.
    ("acknowledged", "start_emergency"):             ("emergency_protection", COMMUNE, MEASURE),
    ("assessed", "start_emergency"):                 ("emergency_protection", COMMUNE, MEASURE),
    # Temporary separation: the chair decides it, Mẫu 07, at most 15 days (Art. 32(2)-(3)); also when
    # the family refuses the plan (Art. 32(1)).
    ("emergency_protection", "separate"):            ("separated",            CHAIR,   ORDER),
    ("detailed_assessment", "separate"):             ("separated",            CHAIR,   ORDER),
    ("intervening", "separate"):                     ("separated",            CHAIR,   ORDER),
    # The chair extends it (15 days in all) or revokes it (hủy bỏ, Art. 32(3)); the worker re-assesses.
    ("separated", "extend_separation"):              ("separated",            CHAIR,   EXTEND),
    ("separated", "revoke_separation"):              ("detailed_assessment",  CHAIR,   REASON),
    ("separated", "reassess_separation"):            ("detailed_assessment",  WORKER,  {}),
    # Detailed assessment, Mẫu 03, by the worker (NĐ 56 Art. 27(1), 31(3b)).
    ("assessed", "begin_detailed_assessment"):       ("detailed_assessment",  WORKER,  {}),
    ("emergency_protection", "begin_detailed_assessment"): ("detailed_assessment", WORKER, {}),
    # No plan needed (no further risk, unfounded, moved away): the chair closes (Art. 26(2), 27(2)).
    ("assessed", "close_without_plan"):              ("closed",               CHAIR,   NO_PLAN),
    ("detailed_assessment", "close_without_plan"):   ("closed",               CHAIR,   NO_PLAN),
    # The worker drafts the plan, Mẫu 04/05 (Art. 28(1)); the chair approves or rejects it (Art. 28(4)).
    ("detailed_assessment", "draft_plan"):           ("plan_drafted",         WORKER,  PLAN),
    ("plan_drafted", "approve_plan"):                ("intervening",          CHAIR,   {}),
    ("plan_drafted", "reject_plan"):                 ("detailed_assessment",  CHAIR,   REASON),
    # The worker reviews, Mẫu 06 (Art. 30(1)-(2)) and puts it to the chair: plan again (Art. 30(1c)),
    # or close, which the chair decides (Art. 30(1b)); not the province supervisor.
    ("intervening", "review"):                       ("reviewing",            WORKER,  {}),
    ("reviewing", "replan"):                         ("detailed_assessment",  WORKER | CHAIR, {}),
    ("reviewing", "request_closure"):                ("closure_requested",    WORKER,  REASON),
    ("closure_requested", "approve_closure"):        ("closed",               CHAIR,   {}),
    ("closure_requested", "reject_closure"):         ("reviewing",            CHAIR,   {}),
    ("closed", "reopen"):                            ("reviewing",            CHAIR | {"province_supervisor"}, REASON),
}
# fmt: on

HAND_STATES = (
    "received", "triaged", "counselling", "information", "silent", "merged", "needs_routing", "assigned",
    "acknowledged", "declined", "assessed", "emergency_protection", "separated", "detailed_assessment",
    "plan_drafted", "intervening", "reviewing", "closure_requested", "closed",
)
HAND_TRIGGERS = tuple(dict.fromkeys(trigger for _, trigger in LAW))
ROLES = ("commune_officer", "commune_chair", "commune_vice_chair", "commune_police", "commune_member", "operator",
         "shift_lead", "province_supervisor", "system", "admin", "supervisor", None)
EVERYTHING = {"reason": "x", "risk_level": "high", "plan": "p", "grounds": "unfounded", **ORDER, **MEASURE}


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
    for role in sorted(who):
        case = Case(state)
        step = fire(case, trigger, actor="someone", via="ui", **_facts(needs, role))
        assert case.state == dest
        assert step == Transition(trigger, state, dest, "someone", "ui", needs.get("reason"))


@pytest.mark.parametrize(("state", "trigger"), sorted(LAW))
def test_a_move_reserved_to_some_people_is_refused_to_everyone_else(state: str, trigger: str):
    _, who, needs = LAW[(state, trigger)]
    assert who is not None
    for role in [r for r in ROLES if r not in who]:
        case = Case(state)
        with pytest.raises(TransitionRefused) as refused:
            fire(case, trigger, actor="someone", via="ui", **_facts({**EVERYTHING, **needs}, role))
        assert case.state == state and refused.value.field == "actor_role"
        assert "_" not in refused.value.vi  # says who may, in words, never a role id


@pytest.mark.parametrize(("state", "trigger"), sorted(k for k, v in LAW.items() if v[2]))
def test_a_move_without_what_it_needs_is_refused(state: str, trigger: str):
    _, who, needs = LAW[(state, trigger)]
    role = sorted(who)[0]
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
        fire(Case("acknowledged"), "report_assessment", actor="a", via="ui", risk_level=level,
                 actor_role="commune_officer")
    for level in ("critical", "HIGH", "cao"):
        with pytest.raises(TransitionRefused):
            fire(Case("acknowledged"), "report_assessment", actor="a", via="ui", risk_level=level,
                 actor_role="commune_officer")


def test_guard_messages_say_what_is_missing_vietnamese_first():
    with pytest.raises(TransitionRefused) as refused:
        fire(Case("assigned"), "decline", actor="a", via="sms", reason=" ", actor_role="commune_officer")
    assert refused.value.vi.startswith("Cần có lý do")
    assert refused.value.en.startswith("A reason is required")
    assert str(refused.value) == refused.value.en
    assert isinstance(refused.value, Conflict) and refused.value.status == 409


def test_only_the_chair_separates_and_says_so():
    with pytest.raises(TransitionRefused) as refused:
        fire(Case("emergency_protection"), "separate", actor="a", via="ui", actor_role="commune_officer", **ORDER)
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
    fire(case, "assign", actor="op", via="ui", actor_role="operator")
    assert not hasattr(case, "acknowledge") and not hasattr(case, "trigger")


def test_a_whole_case_from_call_to_closure():
    case = Case("received")
    path = [
        ("triage", {"actor_role": "operator"}),
        ("assign", {"actor_role": "system"}),
        ("acknowledge", {"actor_role": "commune_officer"}),
        ("report_assessment", {"risk_level": "high", "actor_role": "commune_officer"}),
        ("start_emergency", {**MEASURE, "actor_role": "commune_police"}),
        ("separate", {**ORDER, "actor_role": "commune_chair"}),
        ("extend_separation", {**EXTEND, "actor_role": "commune_vice_chair"}),
        ("reassess_separation", {"actor_role": "commune_officer"}),
        ("draft_plan", {"plan": "p", "actor_role": "commune_officer"}),
        ("approve_plan", {"actor_role": "commune_chair"}),
        ("review", {"actor_role": "commune_officer"}),
        ("request_closure", {"reason": "ổn định / stable", "actor_role": "commune_officer"}),
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
                fire(case, "acknowledge" if i % 2 else "decline", actor=str(i), via="sms", reason="r",
                     actor_role="commune_officer")
                assert case.state == ("acknowledged" if i % 2 else "declined")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
