"""RQ keeps whole seconds: a wake-up rounded down would come before the timer is due."""

from datetime import UTC, datetime

from workflows.clocks.timers import timer_job_id, wake_up_at


def test_wake_up_is_never_before_the_due_time() -> None:
    due = datetime(2026, 1, 1, 8, 0, 0, 250_000, tzinfo=UTC)
    assert wake_up_at(due) == datetime(2026, 1, 1, 8, 0, 1, tzinfo=UTC)
    exact = datetime(2026, 1, 1, 8, 0, 0, tzinfo=UTC)
    assert wake_up_at(exact) == exact


def test_job_id_names_the_timer_and_its_due_time() -> None:
    due = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert timer_job_id(7, due) == timer_job_id(7, due) != timer_job_id(7, due.replace(minute=1))
