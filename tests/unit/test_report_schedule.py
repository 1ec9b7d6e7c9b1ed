"""Pure pieces of the reporting schedule: when the daily job runs, and who owes which report."""

from __future__ import annotations

from datetime import UTC, date, datetime

from workflows.supervision.daily import first_run, next_run
from workflows.supervision.report_reminders import Unit, parse_config
from workflows.supervision.report_status import deadlines_owed, status_of, unit_deadlines

CONFIG = parse_config('[default]\nreminder_days_before = 5\n'
                      'commune = [{ deadline = "10/5", report = "6 tháng" }, { deadline = "5/11", report = "năm" }]\n'
                      'province = [{ deadline = "20/5", report = "6 tháng" }, { deadline = "15/11", report = "năm" }]\n'
                      '[provinces."79"]\ncommune = [{ deadline = "5/5", report = "6 tháng" }]\n')


def test_the_daily_job_runs_at_the_local_hour() -> None:
    late_evening_utc = datetime(2026, 5, 4, 23, 30, tzinfo=UTC)  # 06:30 on 5/5 in Vietnam
    assert first_run(late_evening_utc, 8) == datetime(2026, 5, 5, 1, 0, tzinfo=UTC)
    noon = datetime(2026, 5, 5, 5, 0, tzinfo=UTC)  # 12:00 in Vietnam: the hour has passed, run now
    assert first_run(noon, 8) == noon
    assert next_run(noon, 8) == datetime(2026, 5, 6, 1, 0, tzinfo=UTC)
    assert next_run(late_evening_utc, 8) == datetime(2026, 5, 5, 1, 0, tzinfo=UTC)
    assert next_run(datetime(2026, 5, 5, 1, 0, tzinfo=UTC), 8) == datetime(2026, 5, 6, 1, 0, tzinfo=UTC)


def test_a_unit_owes_the_deadline_it_missed_and_the_next_one() -> None:
    rules = CONFIG.rules("01")
    passed, upcoming = unit_deadlines(rules, "commune", date(2026, 1, 15))
    assert passed is not None and passed[1] == date(2025, 11, 5) and upcoming[1] == date(2026, 5, 10)
    assert unit_deadlines(rules, "commune", date(2026, 5, 10))[1][1] == date(2026, 5, 10)  # the day itself
    unit = Unit("commune", "00004", "01", (), "Xã A")
    assert [due for _d, due in deadlines_owed(CONFIG, unit, date(2026, 1, 15), set())] == [
        date(2025, 11, 5), date(2026, 5, 10)]
    done = {("commune", "00004", date(2025, 11, 5))}
    assert [due for _d, due in deadlines_owed(CONFIG, unit, date(2026, 1, 15), done)] == [date(2026, 5, 10)]


def test_status_groups_units_by_deadline_next_first_then_late() -> None:
    units = [Unit("commune", "00004", "01", (), "Xã A"), Unit("commune", "00008", "01", (), "Xã B"),
             Unit("commune", "26734", "79", (), "Xã C"), Unit("province", "01", "01", (), "Hà Nội")]
    handed = {("commune", "00008", date(2026, 5, 10)): (datetime(2026, 5, 2, tzinfo=UTC), "canbo"),
              ("commune", "00004", date(2025, 11, 5)): (datetime(2025, 11, 1, tzinfo=UTC), "canbo")}
    found = status_of(units, CONFIG, date(2026, 5, 6), handed)
    shown = [(s.level, s.due, s.days_left, [u.code for u in s.missing], [u.code for u in s.submitted])
             for s in found]
    assert shown == [
        ("commune", date(2026, 5, 10), 4, ["00004"], ["00008"]),
        ("province", date(2026, 5, 20), 14, ["01"], []),
        ("commune", date(2027, 5, 5), 364, ["26734"], []),  # province 79's own deadline
        ("commune", date(2026, 5, 5), -1, ["26734"], []),
        ("province", date(2025, 11, 15), -172, ["01"], []),
        ("commune", date(2025, 11, 5), -182, ["00008"], []),  # 00004 handed that one in: not listed
    ]
    assert found[3].late and not found[0].late and found[0].submitted[0].submitted_by == "canbo"
