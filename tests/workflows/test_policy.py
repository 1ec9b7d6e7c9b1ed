"""SLA policy: the shipped clocks, working days across Tết, reminders, provinces, broken files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import VIETNAM
from core.settings import reset_settings
from workflows.clocks.policy import DEFAULT_POLICY, PolicyError, SlaPolicy, parse_span
from workflows.clocks.policy_reader import find_line, load_policy

T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # Monday 09:00 in Vietnam
DEFAULT_TEXT = DEFAULT_POLICY.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def policy() -> SlaPolicy:
    return load_policy(DEFAULT_POLICY)


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_default_loads(policy: SlaPolicy):
    assert set(policy.clocks) == {
        "acknowledge",
        "assessment",
        "routing",
        "emergency_protection",
        "separation_review",
        "plan_draft",
        "plan_approval",
        # issue 18: every open state has a clock
        "intake", "separation_decision", "emergency_plan", "plan_follow_up", "review", "closure_approval",
    }
    assert [step.to for step in policy.steps("acknowledge")] == [("chain",), ("officer", "assignee"), ("supervisor",)]
    assert [step.channel for step in policy.steps("acknowledge")] == ["sms", "call", "sms"]
    assert [step.to for step in policy.steps("plan_approval")] == [("chair",), ("supervisor",)]
    for legal in ("emergency_protection", "separation_review"):
        assert policy.steps(legal)[0].to == ("chair", "police", "supervisor")
    assert policy.clock("plan_approval").waits_for == ("chair",)
    assert policy.reminders == (0.5, 0.9)


def test_no_path_means_the_setting_then_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HOTLINE_SLA_POLICY", raising=False)
    reset_settings()
    assert load_policy().source == DEFAULT_POLICY
    custom = write(tmp_path, edit(DEFAULT_TEXT, 'emergency = "PT15M"', 'emergency = "PT5M"'))
    monkeypatch.setenv("HOTLINE_SLA_POLICY", str(custom))
    reset_settings()
    try:
        loaded = load_policy()
        assert loaded.source == custom
        assert loaded.deadline(
            "acknowledge", urgency="emergency", province_code=None, start=T0
        ) == T0 + timedelta(minutes=5)
    finally:
        monkeypatch.delenv("HOTLINE_SLA_POLICY")
        reset_settings()


@pytest.mark.parametrize(
    ("clock", "urgency", "after"),
    [
        ("acknowledge", "emergency", timedelta(minutes=15)),
        ("acknowledge", "high", timedelta(hours=1)),
        ("acknowledge", "normal", timedelta(hours=4)),
        ("assessment", "emergency", timedelta(hours=2)),
        ("assessment", "high", timedelta(hours=12)),
        ("assessment", "normal", timedelta(hours=24)),
        ("separation_review", "normal", timedelta(days=15)),
    ],
)
def test_operational_clocks(policy: SlaPolicy, clock: str, urgency: str, after: timedelta):
    assert policy.deadline(clock, urgency=urgency, province_code=None, start=T0) == T0 + after


def test_emergency_protection_is_12_hours_from_t0_whenever_it_is_armed(policy: SlaPolicy):
    assert policy.counts_from("emergency_protection") == "received"
    assert policy.counts_from("acknowledge") == "state_entered"
    for urgency in ("emergency", "high", "normal"):
        assert policy.deadline(
            "emergency_protection", urgency=urgency, province_code=None, start=T0
        ) == T0 + timedelta(hours=12)
    # Armed before protection starts for an emergency, or once the assessment finds a high risk.
    for state in ("needs_routing", "assigned", "declined", "acknowledged", "assessed"):
        assert "emergency_protection" in policy.clocks_for(state, urgency="emergency")
        assert "emergency_protection" not in policy.clocks_for(state, urgency="normal")
    # issue 18 (the old behaviour was wrong): assessed at medium or low risk has the 5 working days (Art. 28(1),
    # from the initial assessment); protection started arms the chair's separation decision and the emergency plan.
    assert policy.clocks_for("assessed", urgency="normal", risk_level="high") == ["emergency_protection", "plan_draft"]
    assert policy.clocks_for("assessed", urgency="normal", risk_level="medium") == ["plan_draft"]
    assert policy.clocks_for("emergency_protection", urgency="emergency") == ["separation_decision", "emergency_plan"]


def test_which_clocks_each_state_arms(policy: SlaPolicy):
    assert policy.clocks_for("assigned", urgency="normal") == ["acknowledge"]
    assert policy.clocks_for("acknowledged", urgency="high") == ["assessment"]
    assert policy.clocks_for("separated", urgency="emergency") == ["separation_review", "emergency_plan"]
    assert policy.clocks_for("detailed_assessment", urgency="normal") == ["plan_draft"]
    assert policy.clocks_for("plan_drafted", urgency="normal") == ["plan_approval"]
    assert policy.clocks_for("closed", urgency="emergency") == []


def test_separation_is_reassessed_on_day_15(policy: SlaPolicy):
    decided = vn(2026, 3, 1, 20, 30)
    due = policy.deadline("separation_review", urgency="emergency", province_code="79", start=decided)
    assert due == vn(2026, 3, 16, 20, 30) and due.tzinfo == UTC


def test_plan_draft_and_approval_across_tet_2027(policy: SlaPolicy):
    detailed = vn(2027, 2, 3, 10, 0)  # the day before Tết's holidays (4 to 10 Feb)
    drafted_by = policy.deadline("plan_draft", urgency="normal", province_code=None, start=detailed)
    assert drafted_by == vn(2027, 2, 17, 17, 0)  # 11, 12, 15, 16, 17 Feb
    approved_by = policy.deadline("plan_approval", urgency="normal", province_code=None, start=drafted_by)
    assert approved_by == vn(2027, 2, 19, 17, 0)  # 18, 19 Feb


def test_plan_draft_and_approval_across_a_weekend(policy: SlaPolicy):
    drafted_by = policy.deadline("plan_draft", urgency="high", province_code=None, start=vn(2026, 1, 8, 9, 0))
    assert drafted_by == vn(2026, 1, 15, 17, 0)
    approved_by = policy.deadline(
        "plan_approval", urgency="high", province_code=None, start=vn(2026, 1, 9, 15, 0)
    )
    assert approved_by == vn(2026, 1, 13, 17, 0)


def test_reminders_at_half_and_nine_tenths(policy: SlaPolicy):
    times = policy.reminder_times("acknowledge", urgency="normal", province_code=None, start=T0)
    assert times == [T0 + timedelta(hours=2), T0 + timedelta(hours=3, minutes=36)]
    times = policy.reminder_times("emergency_protection", urgency="emergency", province_code=None, start=T0)
    assert times == [T0 + timedelta(hours=6), T0 + timedelta(hours=10, minutes=48)]


PROVINCE = (
    DEFAULT_TEXT
    + """
[provinces."79".clocks.acknowledge]
emergency = "PT10M"
reminders = [0.8]

[provinces.01.clocks.plan_draft]
all = "3WD"
"""
)


def test_a_province_overrides_only_what_it_says(tmp_path: Path):
    policy = load_policy(write(tmp_path, PROVINCE))
    hcmc = policy.deadline("acknowledge", urgency="emergency", province_code="79", start=T0)
    assert hcmc == T0 + timedelta(minutes=10)
    assert policy.deadline("acknowledge", urgency="high", province_code="79", start=T0) == T0 + timedelta(
        hours=1
    )
    assert policy.deadline(
        "acknowledge", urgency="emergency", province_code="48", start=T0
    ) == T0 + timedelta(minutes=15)
    assert policy.deadline(
        "acknowledge", urgency="emergency", province_code=None, start=T0
    ) == T0 + timedelta(minutes=15)
    assert policy.reminder_times("acknowledge", urgency="emergency", province_code="79", start=T0) == [
        T0 + timedelta(minutes=8)
    ]
    assert policy.deadline(
        "plan_draft", urgency="normal", province_code="01", start=vn(2026, 1, 8, 9, 0)
    ) == vn(2026, 1, 13, 17, 0)


def test_a_clock_may_set_its_own_reminders(tmp_path: Path):
    text = edit(DEFAULT_TEXT, 'all = "P15D"', 'all = "P15D"\nreminders = [0.8]')
    policy = load_policy(write(tmp_path, text))
    assert policy.reminder_times("separation_review", urgency="normal", province_code=None, start=T0) == [
        T0 + timedelta(days=12)
    ]
    assert len(policy.reminder_times("acknowledge", urgency="normal", province_code=None, start=T0)) == 2


def line_of(text: str, fragment: str) -> int:
    return next(
        n for n, line in enumerate(text.splitlines(), 1) if fragment in line and not line.startswith("#")
    )


def edit(text: str, old: str, new: str) -> str:
    """Replace the first `old` outside the comments (the file's header explains the syntax)."""
    at = text.find(old)
    while at >= 0 and text[text.rfind("\n", 0, at) + 1 :].startswith("#"):
        at = text.find(old, at + 1)
    assert at >= 0, old
    return text[:at] + new + text[at + len(old) :]


BROKEN = [
    # (replace this, with this, the line holding this, the problem)
    ('high = "PT1H"', 'high = "1 hour"', 'high = "1 hour"', "invalid duration '1 hour'"),
    ('normal = "PT4H"', 'normal = "PT0M"', 'normal = "PT0M"', "invalid duration 'PT0M'"),
    ('all = "5WD"', 'all = "0WD"', 'all = "0WD"', "invalid duration '0WD'"),
    ('all = "2WD"', 'all = "P2M"', 'all = "P2M"', "invalid duration 'P2M'"),
    ('all = "P15D"', "all = 15", "all = 15", "invalid duration 15"),
    ("[clocks.assessment]", "[clocks.assesment]", "[clocks.assesment]", "unknown clock 'assesment'"),
    ('high = "PT12H"', 'urgent = "PT12H"', 'urgent = "PT12H"', "unknown key 'clocks.assessment.urgent'"),
    (
        "at = [0.5, 0.9]",
        "at = [0.5, 1.5]",
        "at = [0.5, 1.5]",
        "reminders must be a list of numbers in (0, 1)",
    ),
    ("at = [0.5, 0.9]", "at = [0, 0.9]", "at = [0, 0.9]", "in (0, 1)"),
    (
        '{ to = ["chain"], channel = "sms" }',
        '{ to = ["chainn"], channel = "sms" }',
        'to = ["chainn"]',
        "step 1: unknown role 'chainn'",
    ),
    (
        'channel = "call", wait = { emergency = "PT10M"',
        'channel = "fax", wait = { emergency = "PT10M"',
        'channel = "fax"',
        "step 2: unknown channel 'fax'",
    ),
    (
        '{ to = ["assignee"], channel = "sms", wait = { emergency = "PT30M"',
        '{ to = ["chain"], channel = "sms", wait = { emergency = "PT30M"',
        '{ to = ["chain"], channel = "sms", wait = { emergency = "PT30M"',
        "'chain' (hand the case to the next contact) stands alone, by sms, on the acknowledge clock",
    ),
    ('wait = "1WD"', 'wait = "tomorrow"', 'wait = "tomorrow"', "invalid wait 'tomorrow'"),
    ('all = "2WD"', 'all = "2WD"\nquiet_hours = "22:00-06:00"', 'quiet_hours = "22:00-06:00"', "never pauses"),
    ('normal = "PT4H"', 'normal = "PT4H"\nquiet_hours = "22h-6h"', 'quiet_hours = "22h-6h"', "invalid quiet_hours"),
    ('plan_drafted = ["plan_approval", "emergency_plan"]', 'plan_drafted = ["emergency_plan"]',
     "[clocks.plan_approval]",
     "no state arms the clock 'plan_approval'"),
    ('from = "received"', 'from = "T0"', 'from = "T0"', "'from' must be one of"),
    ('risk_level = ["high"]', 'risk_level = ["severe"]', "arm_if = ", "unknown risk_level ['severe']"),
    (
        'separated = ["separation_review", "emergency_plan"]',
        'separated = ["separation", "emergency_plan"]',
        'separated = ["separation", "emergency_plan"]',
        "clock 'separation' is not defined",
    ),
    (
        'plan_drafted = ["plan_approval", "emergency_plan"]',
        'plan_draft = ["plan_approval", "emergency_plan"]',
        'plan_draft = ["plan_approval", "emergency_plan"]',
        "unknown state 'plan_draft'",
    ),
    ("[reminders]", "[reminder]", "[reminder]", "unknown key 'reminder'"),
    # issue 18: no open case without a running clock (an emergency case would have none while the plan runs)
    ('intervening = ["plan_follow_up"]\nreviewing = ["review"]',
     'intervening = ["plan_approval"]\nreviewing = ["review", "plan_follow_up"]', 'intervening = ["plan_approval"]',
     "a case in state 'intervening' would have no clock running"),
]


@pytest.mark.parametrize(("old", "new", "at", "problem"), BROKEN)
def test_a_broken_file_is_refused_with_its_line_and_problem(
    tmp_path: Path, old: str, new: str, at: str, problem: str
):
    text = edit(DEFAULT_TEXT, old, new)
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as refused:
        load_policy(path)
    line = line_of(text, at)
    assert refused.value.line == line
    assert str(refused.value).startswith(f"{path}:{line}: ")
    assert problem in refused.value.en
    assert refused.value.vi and refused.value.vi in str(refused.value)


@pytest.mark.parametrize(
    ("old", "new", "at"),
    [
        ('normal = "PT4H"', 'normal = "PT4H', 'normal = "PT4H'),
        ("[clocks.plan_draft]", "[clocks.plan_draft", "[clocks.plan_draft"),
        ('high = "PT1H"', 'high = "PT1H"\nhigh = "PT2H"', 'high = "PT2H"'),
    ],
)
def test_toml_syntax_errors_name_the_line(tmp_path: Path, old: str, new: str, at: str):
    text = edit(DEFAULT_TEXT, old, new)
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as refused:
        load_policy(path)
    assert refused.value.line == line_of(text, at)
    assert "TOML syntax error" in refused.value.en
    assert str(refused.value).startswith(f"{path}:{refused.value.line}: lỗi cú pháp TOML")


@pytest.mark.parametrize(
    ("extra", "at", "problem"),
    [
        (
            '[provinces."79".clocks.acknowlege]\nemergency = "PT10M"\n',
            "acknowlege",
            "unknown clock 'acknowlege'",
        ),
        (
            '[provinces."79".clocks.acknowledge]\nemergency = "10m"\n',
            'emergency = "10m"',
            "invalid duration '10m'",
        ),
        ('[provinces."79".clocks.acknowledge]\nfrom = "received"\n', 'from = "received"\n', "unknown key"),
        ('[provinces."HCM".clocks.acknowledge]\nhigh = "PT30M"\n', '"HCM"', "must be 2 digits"),
        ('[provinces."77".clocks.acknowledge]\nhigh = "PT30M"\n', '"77"', "no province has the code '77'"),
        ('[provinces."79".clocks.acknowledge]\nnormal = "P3650D"\n', '"P3650D"', "too long"),
        ('[provinces."79".clocks.acknowledge]\nnormal = "P9999999999D"\n', '"P9999999999D"', "too long"),
        ('[provinces."79".clocks.acknowledge]\nnormal = "PT99999999999999999999S"\n', "PT999", "too long"),
        ('[provinces."79".clocks.plan_draft]\nnormal = "250WD"\n', '"250WD"', "too long"),
    ],
)
def test_broken_province_overrides(tmp_path: Path, extra: str, at: str, problem: str):
    text = DEFAULT_TEXT + "\n" + extra
    with pytest.raises(PolicyError) as refused:
        load_policy(write(tmp_path, text))
    assert refused.value.line == max(n for n, line in enumerate(text.splitlines(), 1) if at.strip() in line)
    assert problem in refused.value.en


def test_a_missing_file_is_refused(tmp_path: Path):
    with pytest.raises(PolicyError, match="cannot read the file"):
        load_policy(tmp_path / "nope.toml")


def test_find_line_follows_tables_dotted_keys_and_inline_tables():
    text = 'a = 1\n[clocks.x]\nhigh = "PT1H"\n[b]\nc.d = 2\ne = { f = 3 }\n'
    assert find_line(text, ("clocks", "x", "high")) == 3
    assert find_line(text, ("clocks", "x", "normal")) == 2
    assert find_line(text, ("b", "c", "d")) == 5
    assert find_line(text, ("b", "e", "f")) == 6
    assert find_line(text, ("zzz",)) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT15M", timedelta(minutes=15)),
        ("PT12H", timedelta(hours=12)),
        ("P15D", timedelta(days=15)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("PT90S", timedelta(seconds=90)),
    ],
)
def test_iso_durations(text: str, expected: timedelta):
    span = parse_span(text)
    assert span is not None and span.delta == expected and span.working_days is None


@pytest.mark.parametrize(
    "text", ["P", "PT", "P1DT", "PT1.5H", "P1W", "P1Y", "5 WD", "5wd", "15", "-PT1H", "PT0S"]
)
def test_unparsable_durations(text: str):
    assert parse_span(text) is None


@pytest.mark.parametrize("wait", ['"P3650D"', '"P9999999999D"'])
def test_a_step_wait_of_years_is_refused_with_its_line(tmp_path: Path, wait: str):
    text = DEFAULT_TEXT + f'\n[provinces."79".clocks.acknowledge]\nsteps = [{{ to = ["chain"], wait = {wait} }}]\n'
    with pytest.raises(PolicyError) as refused:
        load_policy(write(tmp_path, text))
    assert refused.value.line == len(text.splitlines()) and "wait" in refused.value.en
