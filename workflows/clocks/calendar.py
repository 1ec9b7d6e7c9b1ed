"""Vietnam's working days, for the legal clocks counted in working days (plan draft, plan approval).

The rule: a deadline of n working days from `start` falls at 17:00 Asia/Ho_Chi_Minh on the n-th
working day after the local calendar day of `start`; that day itself is never counted, whatever the
hour. A working day is Monday to Friday minus public holidays (Tết included), plus the Saturdays the
government declares working days in exchange for a bridge holiday - all as the `holidays` package
knows them. Times go in and come out in UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from core.clock import VIETNAM, as_utc, local

END_OF_WORKING_DAY = time(17, 0)


@lru_cache(maxsize=64)
def _vietnam_year(year: int) -> holidays.HolidayBase:
    # One read-only calendar per year: nothing mutates it after this, so threads may share it.
    return holidays.country_holidays("VN", years=year)


def is_working_day(day: date) -> bool:
    return bool(_vietnam_year(day.year).is_working_day(day))


def add_working_days(start_utc: datetime, n: int) -> datetime:
    """17:00 Vietnam time on the n-th working day after the day of `start_utc`, in UTC (n >= 1)."""
    if n < 1:
        raise ValueError(f"n must be at least 1 working day, got {n}")
    day = local(start_utc).date()
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return as_utc(datetime.combine(day, END_OF_WORKING_DAY, tzinfo=VIETNAM))
