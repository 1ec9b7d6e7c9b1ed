"""A policy file is laid over the shipped default: the shapes other tools write load, and every clock
still has its timers and its ladder. Quiet hours, ladder steps and `hotline policy` are checked here too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.clock import VIETNAM
from workflows.clocks.policy import CLOCKS, DEFAULT_POLICY, PolicyError, parse_quiet_hours
from workflows.clocks.policy_reader import load_policy

T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # Monday 09:00 in Vietnam
DEFAULT = load_policy(DEFAULT_POLICY)


def vn(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=VIETNAM)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


PARTIAL_SHAPES = [
    '[clocks.acknowledge]\nemergency = "PT10M"\nhigh = "PT45M"\nnormal = "PT3H"\n',
    "[reminders]\nat = [0.8]\n",
    '[clocks.emergency_protection]\nall = "PT12H"\n',
]


@pytest.mark.parametrize("text", PARTIAL_SHAPES)
def test_a_partial_file_keeps_every_clock_state_and_ladder_of_the_default(tmp_path: Path, text: str) -> None:
    policy = load_policy(write(tmp_path, text))
    assert set(policy.clocks) == set(CLOCKS)
    assert policy.states == DEFAULT.states  # every state still arms its clocks
    for name in CLOCKS:
        assert policy.steps(name) == DEFAULT.steps(name)
        assert policy.clock(name).waits_for == DEFAULT.clock(name).waits_for
    assert policy.clocks_for("assigned", urgency="normal") == ["acknowledge"]
    assert policy.clocks_for("needs_routing", urgency="normal") == ["routing"]


def test_a_partial_file_changes_only_what_it_says(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, PARTIAL_SHAPES[0]))
    assert policy.deadline("acknowledge", urgency="high", province_code=None, start=T0) == T0 + timedelta(minutes=45)
    assert policy.deadline("assessment", urgency="high", province_code=None, start=T0) == T0 + timedelta(hours=12)
    assert load_policy(write(tmp_path, PARTIAL_SHAPES[1])).reminder_times(
        "acknowledge", urgency="normal", province_code=None, start=T0) == [T0 + timedelta(hours=3, minutes=12)]
    legal = load_policy(write(tmp_path, PARTIAL_SHAPES[2])).clock("emergency_protection")
    assert legal.counts_from == "received" and legal.arm_urgencies == {"emergency"}  # kept from the default


def test_all_replaces_the_defaults_per_urgency_values(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, '[clocks.acknowledge]\nall = "PT2H"\n'))
    for urgency in ("emergency", "high", "normal"):
        assert policy.deadline("acknowledge", urgency=urgency, province_code=None, start=T0) == T0 + timedelta(hours=2)


def test_steps_in_a_file_replace_the_clocks_ladder(tmp_path: Path) -> None:
    text = '[clocks.plan_approval]\nsteps = [\n  { to = ["chair", "supervisor"], channel = "both" },\n]\n'
    policy = load_policy(write(tmp_path, text))
    assert [(s.to, s.channel) for s in policy.steps("plan_approval")] == [(("chair", "supervisor"), "both")]
    assert policy.steps("acknowledge") == DEFAULT.steps("acknowledge")
    assert policy.version != DEFAULT.version


def test_array_of_tables_steps_name_the_bad_steps_line(tmp_path: Path) -> None:
    text = ('[clocks.plan_approval]\nall = "2WD"\n\n[[clocks.plan_approval.steps]]\nto = ["chair"]\n\n'
            '[[clocks.plan_approval.steps]]\nto = ["mayor"]\n')
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as refused:
        load_policy(path)
    assert refused.value.path == path and refused.value.line == 7
    assert "step 2: unknown role 'mayor'" in refused.value.en


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ('[clocks.acknowledge]\nemergency = "PT10M"\nsteps = [\n  { to = ["chain"] },\n  { to = ["boss"] },\n]\n',
         5, "step 2: unknown role 'boss'"),
        ('[clocks.routing]\nsteps = [{ to = ["shift_lead"], channel = "pigeon" }]\n', 2, "unknown channel 'pigeon'"),
        ('\n[states]\nassigned = ["acknowledge", "acknowledgement"]\n', 3, "clock 'acknowledgement' is not defined"),
        ('[states]\nneeds_routing = ["emergency_protection"]\ndeclined = []\n', 1,
         "no state arms the clock 'routing'"),
        ('[clocks.emergency_protection]\nsteps = [{ to = ["supervisor"] }]\n', 2,
         "must reach the chair, the police and the supervisor"),
        ('[clocks.separation_review]\nquiet_hours = "22:00-06:00"\n', 2, "never pauses"),
        ('[clocks.acknowledge]\nsteps = []\n', 2, "non-empty list of escalation steps"),
        ('[escalation]\nsteps = ["supervisor"]\n', 2, "no longer used"),
        ('[clocks.acknowledge]\nwaits_for = ["chain"]\n', 2, "unknown role 'chain'"),
    ],
)
def test_a_partial_file_is_refused_at_its_own_line(tmp_path: Path, text: str, line: int, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as refused:
        load_policy(path)
    assert (refused.value.path, refused.value.line) == (path, line), str(refused.value)
    assert problem in refused.value.en and str(refused.value).startswith(f"{path}:{line}: ")


def test_the_old_default_escalation_table_is_still_accepted(tmp_path: Path) -> None:
    text = '[escalation]\nsteps = ["next_contact_sms", "voice_call", "supervisor"]\n'
    assert load_policy(write(tmp_path, text)).steps("acknowledge") == DEFAULT.steps("acknowledge")


def test_quiet_hours_defer_operational_steps_but_never_emergencies_or_legal_clocks(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, '[clocks.acknowledge]\nquiet_hours = "22:00-06:00"\n'))
    late = vn(5, 22, 30)
    assert policy.defer("acknowledge", urgency="normal", province_code=None, at=late) == vn(6, 6, 0)
    assert policy.defer("acknowledge", urgency="high", province_code=None, at=vn(6, 3, 0)) == vn(6, 6, 0)
    assert policy.defer("acknowledge", urgency="normal", province_code=None, at=vn(6, 6, 0)) == vn(6, 6, 0)
    assert policy.defer("acknowledge", urgency="emergency", province_code=None, at=late) == late
    assert policy.defer("plan_approval", urgency="normal", province_code=None, at=late) == late
    # A normal report at 22:00: the reminders would fall at 00:00 and 01:36, both deferred to 06:00, past
    # the 02:00 deadline: no reminder wakes the officer; the breach's first step waits for 06:00.
    assert policy.reminder_times("acknowledge", urgency="normal", province_code=None, start=vn(5, 22)) == []
    step = policy.steps("acknowledge")[1]
    assert policy.next_step_at("acknowledge", step, urgency="normal", province_code=None,
                               start=vn(5, 23)) == vn(6, 6, 0)


@pytest.mark.parametrize("text", ["22:00-06:00", "12:00-13:30", "00:00-05:00"])
def test_quiet_hours_syntax(text: str) -> None:
    assert parse_quiet_hours(text) is not None


@pytest.mark.parametrize("text", ["22-06", "22:00-22:00", "24:00-06:00", "10pm-6am"])
def test_bad_quiet_hours(text: str) -> None:
    assert parse_quiet_hours(text) is None


def test_day_window_quiet_hours() -> None:
    lunch = parse_quiet_hours("12:00-13:30")
    assert lunch is not None
    assert lunch.defer(vn(5, 12, 10)) == vn(5, 13, 30) and lunch.defer(vn(5, 14)) == vn(5, 14)


def test_policy_check_and_show(tmp_path: Path) -> None:
    from intake.cli import app

    good = write(tmp_path, PARTIAL_SHAPES[0])
    result = CliRunner().invoke(app, ["policy", "check", str(good)])
    assert result.exit_code == 0 and "OK" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[clocks.acknowledge]\nnormal = "4 hours"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["policy", "check", str(bad)])
    assert result.exit_code == 1 and f"{bad}:2:" in result.output
    shown = CliRunner().invoke(app, ["policy", "show", "--file", str(good)])
    assert shown.exit_code == 0 and 'high = "PT45M"' in shown.output and "[clocks.plan_approval]" in shown.output
    # What `show` prints is itself a policy file that loads to the same clocks.
    again = load_policy(write(tmp_path, shown.output))
    assert again.steps("routing") == DEFAULT.steps("routing")
    assert again.deadline("acknowledge", urgency="high", province_code=None, start=T0) == T0 + timedelta(minutes=45)


def test_policy_show_for_a_province(tmp_path: Path) -> None:
    from intake.cli import app

    path = write(tmp_path, '[provinces."79".clocks.acknowledge]\nemergency = "PT10M"\nquiet_hours = "22:00-06:00"\n')
    shown = CliRunner().invoke(app, ["policy", "show", "--file", str(path), "--province", "79"])
    assert shown.exit_code == 0 and 'emergency = "PT10M"' in shown.output and "quiet_hours" in shown.output
    plain = CliRunner().invoke(app, ["policy", "show", "--file", str(path)])
    assert 'emergency = "PT15M"' in plain.output
