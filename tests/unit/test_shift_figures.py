"""The shift's figures (issue 23, item 5): pure counting per line and per hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workflows.supervision.shift_figures import QueuedCall, figures, shift_start

T = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam


def _call(line: str, at: datetime, *, answered: int | None = None, abandoned: int | None = None) -> QueuedCall:
    return QueuedCall(line, at, None if answered is None else at + timedelta(seconds=answered),
                      None if abandoned is None else at + timedelta(seconds=abandoned), abandoned is not None)


def test_answered_within_20_s_abandoned_and_the_longest_wait_per_line_and_hour():
    calls = [_call("111", T, answered=5), _call("111", T + timedelta(minutes=10), answered=20),
             _call("111", T + timedelta(minutes=20), answered=45),
             _call("111", T + timedelta(minutes=70), abandoned=90),
             _call("dl-ctxh", T, answered=3), _call("111", T + timedelta(minutes=80))]  # still waiting
    now = T + timedelta(minutes=85)
    (national, province) = figures(calls, now=now)
    assert national.line == "111" and province.line == "dl-ctxh"
    total = national.total
    assert (total.calls, total.answered, total.within_target, total.abandoned) == (5, 3, 2, 1)
    assert total.within_target_share == 67
    assert total.longest_wait == 300  # the caller still waiting since 5 minutes
    nine, ten = national.by_hour.values()
    assert (nine.calls, nine.within_target, nine.longest_wait) == (3, 2, 45)
    assert (ten.calls, ten.abandoned, ten.longest_wait) == (2, 1, 300)
    assert [h.hour for h in national.by_hour] == [9, 10]  # local hours


def test_the_shift_starts_at_06_14_or_22_in_vietnam():
    assert shift_start(T) == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # 06:00 local
    assert shift_start(datetime(2026, 11, 24, 16, 30, tzinfo=UTC)) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert shift_start(datetime(2026, 11, 24, 20, 0, tzinfo=UTC)) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert figures([], now=T) == []
