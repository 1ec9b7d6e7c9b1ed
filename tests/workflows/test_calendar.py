"""Working days: 17:00 Vietnam time on the n-th working day after the start day (not counted)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.clock import VIETNAM
from workflows.clocks.calendar import add_working_days, is_working_day


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def test_tet_2027_is_not_worked():
    # holidays says Tết 2027 runs Thu 4 Feb to Wed 10 Feb (29 Tết to 5 Tết).
    assert [is_working_day(date(2027, 2, d)) for d in range(3, 12)] == [
        True,
        False,
        False,
        False,
        False,
        False,
        False,
        False,
        True,
    ]


def test_weekends_holidays_and_a_make_up_saturday():
    assert not is_working_day(date(2026, 1, 10))  # Saturday
    assert not is_working_day(date(2026, 9, 2))  # National Day
    assert is_working_day(date(2026, 8, 22))  # Saturday worked in exchange for 31 Aug
    assert not is_working_day(date(2026, 8, 31))


def test_the_start_day_is_not_counted_and_the_deadline_is_17h_local():
    start = vn(2026, 1, 5, 8, 0)  # Monday morning
    assert add_working_days(start.astimezone(UTC), 1) == vn(2026, 1, 6, 17, 0)
    assert add_working_days(start, 1).tzinfo == UTC
    assert add_working_days(start, 1) == datetime(2026, 1, 6, 10, 0, tzinfo=UTC)


def test_across_a_weekend():
    assert add_working_days(vn(2026, 1, 8, 9, 0), 5) == vn(2026, 1, 15, 17, 0)  # Thu -> next Thu
    assert add_working_days(vn(2026, 1, 9, 16, 0), 2) == vn(2026, 1, 13, 17, 0)  # Fri -> Tue
    assert add_working_days(vn(2026, 1, 10, 11, 0), 1) == vn(2026, 1, 12, 17, 0)  # Sat -> Mon


def test_the_local_day_counts_not_the_utc_day():
    late_thursday_utc = datetime(2026, 1, 8, 18, 0, tzinfo=UTC)  # already Friday 01:00 in Vietnam
    assert add_working_days(late_thursday_utc, 1) == vn(2026, 1, 12, 17, 0)


def test_across_tet_2027():
    assert add_working_days(vn(2027, 2, 3, 10, 0), 5) == vn(2027, 2, 17, 17, 0)
    assert add_working_days(vn(2027, 2, 3, 10, 0), 1) == vn(2027, 2, 11, 17, 0)


@pytest.mark.parametrize("n", [0, -1])
def test_at_least_one_working_day(n: int):
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(vn(2026, 1, 5, 8, 0), n)
