"""What one tick of the live queue costs: the read and the render the stream does about once a second."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from core.db import UnitOfWork
from intake.console.desk import queue_html, shared_queue_html
from workflows.contacts.models import CallbackTask, IntakeContact

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def test_a_queue_tick_with_300_open_contacts_stays_cheap(db) -> None:
    with UnitOfWork() as uow:
        for i in range(300):
            channel = ("voice", "zalo", "sms")[i % 3]
            row = IntakeContact(reference=f"LH{i:08d}", line="111", channel=channel, external_id=f"x{i}",
                                state="queued" if channel == "voice" else "open", danger_now=i % 17 == 0,
                                started_at=NOW - timedelta(minutes=i), queued_at=NOW - timedelta(minutes=i))
            uow.session.add(row)
            if i % 10 == 0:
                uow.session.flush()
                uow.session.add(CallbackTask(contact_id=row.id, due_at=NOW, created_at=NOW))
        uow.commit()
    queue_html("vi", "111", "csrf")  # warm the template cache
    ticks = 20
    started = time.perf_counter()
    for _ in range(ticks):
        html = queue_html("vi", "111", "csrf")
    per_tick_ms = (time.perf_counter() - started) / ticks * 1000
    print(f"\nqueue tick with 300 open contacts: {per_tick_ms:.1f} ms, {len(html)} bytes")
    assert "LH00000000" in html
    assert per_tick_ms < 250  # a second's budget on the shared 2-core machine, with room
    started = time.perf_counter()
    for _ in range(50):  # fifty watchers of the line within one poll: one read
        shared_queue_html("vi", "111")
    shared_ms = (time.perf_counter() - started) * 1000
    print(f"fifty watchers' ticks, shared: {shared_ms:.1f} ms")
    assert shared_ms < per_tick_ms * 5
