"""The law's clocks, written by hand from NĐ 56/2017 Art. 25-32 (../shared/law/), not from the policy file.

For each state a case can be in and each kind of case (emergency or not, the risk found), the clock the
law names runs there: no open case is ever without one (issue 18), and the working-day clocks of Art. 28
never run for an emergency.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workflows.case.intake_record import first_receipt
from workflows.case.machine import STATES, TERMINAL
from workflows.case.reports import NewReport
from workflows.clocks.policy import DEFAULT_POLICY, SlaPolicy
from workflows.clocks.policy_reader import load_policy

T0 = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 23:00 in Hà Nội, a Monday


@pytest.fixture(scope="module")
def policy() -> SlaPolicy:
    return load_policy(DEFAULT_POLICY)


# (state, emergency?): the legal clock that must run there                      # the article
LAW_CLOCK: dict[tuple[str, bool], str] = {
    ("needs_routing", True): "emergency_protection",  # Art. 26(3), 31(2): ≤ 12 h from T0
    ("assigned", True): "emergency_protection",
    ("declined", True): "emergency_protection",
    ("acknowledged", True): "emergency_protection",
    ("assessed", True): "emergency_protection",
    ("emergency_protection", True): "separation_decision",  # Art. 32(2): the chair's Mẫu 07, ≤ 12 h from T0
    ("emergency_protection", False): "separation_decision",
    ("separated", True): "separation_review",  # Art. 32(3): day 15
    ("separated", False): "separation_review",
    ("detailed_assessment", True): "emergency_plan",  # Art. 31(2)-(3): the emergency's plan, ≤ 12 h
    ("plan_drafted", True): "emergency_plan",
    ("assessed", False): "plan_draft",  # Art. 28(1): 5 working days from the initial assessment
    ("detailed_assessment", False): "plan_draft",
    ("plan_drafted", False): "plan_approval",  # Art. 28(4): 2 working days
}
NOT_IN_EMERGENCY = ("plan_draft", "plan_approval")  # Art. 28(1), 28(4): "trừ trường hợp khẩn cấp"


@pytest.mark.parametrize(("state", "emergency"), sorted(LAW_CLOCK))
def test_the_clock_the_law_names_runs_in_each_state(policy: SlaPolicy, state: str, emergency: bool) -> None:
    for urgency in ("emergency",) if emergency else ("high", "normal"):
        for risk in (None, "high", "medium", "low"):
            assert LAW_CLOCK[(state, emergency)] in policy.clocks_for(
                state, urgency=urgency, risk_level=risk, emergency=emergency), (urgency, risk)


@pytest.mark.parametrize("state", [s for s in STATES if s not in TERMINAL])
def test_no_open_case_is_without_a_clock(policy: SlaPolicy, state: str) -> None:
    for urgency in ("emergency", "high", "normal"):
        for risk in (None, "high", "medium", "low"):
            for emergency in (False, True):
                assert policy.clocks_for(state, urgency=urgency, risk_level=risk, emergency=emergency), (
                    state, urgency, risk, emergency)


@pytest.mark.parametrize("state", STATES)
def test_the_working_day_clocks_never_run_in_an_emergency(policy: SlaPolicy, state: str) -> None:
    for urgency in ("emergency", "high", "normal"):
        armed = policy.clocks_for(state, urgency=urgency, risk_level="high", emergency=True)
        assert not set(armed) & set(NOT_IN_EMERGENCY)


def test_an_assessment_that_finds_an_emergency_arms_the_twelve_hours(policy: SlaPolicy) -> None:
    # Art. 26(3), 31(1): "emergency intervention needed", or a parent or caregiver is the abuser
    assert "emergency_protection" not in policy.clocks_for("assessed", urgency="normal", risk_level="medium")
    assert "emergency_protection" in policy.clocks_for("assessed", urgency="normal", risk_level="medium",
                                                       emergency=True)


def test_the_twelve_hour_clocks_count_from_first_receipt(policy: SlaPolicy) -> None:
    for clock in ("emergency_protection", "separation_decision", "emergency_plan"):
        assert policy.counts_from(clock) == "received"
        assert policy.deadline(clock, urgency="high", province_code=None, start=T0) == T0 + timedelta(hours=12)
    assert policy.counts_from("plan_draft") == "first_armed"  # a rejected plan does not restart the 5 days


def test_t0_is_the_first_receipt_anywhere() -> None:
    now = T0 + timedelta(hours=9, minutes=30)  # the operator opens the case at 08:30
    call_started = T0  # the danger call came in at 23:00
    plain = NewReport(description="Trẻ bị đánh")
    assert first_receipt(plain, now=now) == now  # a form's submission
    assert first_receipt(plain, now=now, contact_started_at=call_started) == call_started
    police = NewReport(description="Trẻ bị đánh", received_elsewhere_at=T0 - timedelta(hours=2))
    assert first_receipt(police, now=now, contact_started_at=call_started) == T0 - timedelta(hours=2)
    future = NewReport(description="Trẻ bị đánh", received_elsewhere_at=now + timedelta(days=1))
    assert first_receipt(future, now=now) == now
