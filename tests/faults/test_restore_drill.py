"""The restore drill: `hotline backup` of a line with cases, timers pending and messages in every state of
delivery, `hotline restore` into a fresh database with Redis empty; then every case reads (`hotline keys
status --check`), every pending timer fires (a real `hotline worker`), and nothing is sent twice (counted at
the Twilio stand-in per outbox row, including the row whose attempt was under way when the dump was taken).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text, update

from tests.conftest import ADMIN_URL
from tests.faults.conftest import Rig, wait_for

REPORTS = [
    {"description": "Cháu bé bị bỏ đói nhiều ngày.", "location": "xã Cam Lộ, Quảng Trị", "child_name": "Lê Thị Cúc"},
    {"description": "Trẻ bị đánh ở nhà.", "location": "xã Tây Hòa, Đắk Lắk", "immediate_danger": True},
    {"description": "Trẻ bỏ học đi làm thuê.", "location": "phường Lương Văn Tri, Lạng Sơn"},
    {"description": "Trẻ bị bắt nạt ở trường.", "location": "phường Hồng Bàng, Hải Phòng",
     "reporter_name": "Nguyễn Văn An", "reporter_phone": "0912 000 111"},
]


def _hotline(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    hotline = str(Path(sys.executable).with_name("hotline"))
    return subprocess.run([hotline, *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def _point_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.db import reset_engine
    from core.settings import reset_settings

    monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
    reset_settings()
    reset_engine()


def test_a_backup_restores_into_an_empty_database_and_the_line_goes_on(
        rig: Rig, db: str, redis_conn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.db import unit_of_work
    from devtools.demo import import_demo_roster
    from intake.app import create_app
    from notifier.models import OutboxMessage
    from workflows.case.models import Case, Timer
    from workflows.clocks.context import reset_gateways
    from workflows.field.delivery import deliver_next

    started = time.monotonic()
    env = {**rig.env, "HOTLINE_FOLD_WINDOW_SECONDS": "0", "HOTLINE_DELIVERY_UNKNOWN_GRACE_SECONDS": "0"}
    for key in ("HOTLINE_TWILIO_API_BASE", "HOTLINE_TWILIO_ACCOUNT_SID", "HOTLINE_TWILIO_AUTH_TOKEN",
                "HOTLINE_TWILIO_TIMEOUT_SECONDS", "HOTLINE_FOLD_WINDOW_SECONDS",
                "HOTLINE_DELIVERY_UNKNOWN_GRACE_SECONDS"):
        monkeypatch.setenv(key, env[key])
    _point_at(db, monkeypatch)
    reset_gateways()
    import_demo_roster()

    # The line before the backup: reports in, two SMS sent, one caught between the provider and our commit.
    with TestClient(create_app()) as client:
        refs = [client.post("/api/v1/reports", json=report).json()["reference"] for report in REPORTS]
    assert deliver_next() is not None and deliver_next() is not None
    with unit_of_work() as uow:
        sent = uow.session.execute(select(OutboxMessage).where(OutboxMessage.provider_sid.is_not(None))
                                   .order_by(OutboxMessage.id)).scalars().all()
        assert len(sent) == 2
        caught = sent[0]  # its attempt reached the provider; the dump was taken before the outcome was kept
        caught.status, caught.provider_sid, caught.status_at = "attempting", None, None
        caught.next_attempt_at = caught.attempt_started_at
        pending_timers = set(uow.session.execute(select(Timer.id).where(
            Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))).scalars())
        cases = len(uow.session.execute(select(Case.id)).all())
        uow.commit()
    assert pending_timers and cases == len(refs)
    env["HOTLINE_DATABASE_URL"] = db
    dump = tmp_path / "hotline.dump"
    done = _hotline("backup", str(dump), env=env)
    assert done.returncode == 0, done.stderr
    assert dump.stat().st_size > 0 and "k0" in done.stdout  # names the key ids to keep apart, not the keys
    secret = os.environ["HOTLINE_SECRET_KEY"].encode()
    assert secret not in dump.read_bytes() and "Lê Thị Cúc".encode() not in dump.read_bytes()

    # The machine is lost: a fresh database, an empty Redis.
    fresh = f"hotline_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{fresh}"'))
    restored = ADMIN_URL.rsplit("/", 1)[0] + f"/{fresh}"
    redis_conn.flushdb()
    try:
        env["HOTLINE_DATABASE_URL"] = restored
        done = _hotline("restore", str(dump), env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        again = _hotline("restore", str(dump), env=env)
        assert again.returncode == 1 and "trống" in again.stderr  # never over a live database
        check = _hotline("keys", "status", "--check", env=env)
        assert check.returncode == 0 and "unreadable" not in check.stdout, check.stdout + check.stderr
        assert "cases.child_name: k0" in check.stdout

        _point_at(restored, monkeypatch)
        with unit_of_work() as uow:  # the restore happens hours later: every pending timer is due by now
            uow.session.execute(update(Timer).where(Timer.id.in_(pending_timers))
                                .values(due_at=text("now() - interval '1 minute'")))
            uow.commit()
        rig.env = env
        rig.start_worker()

        def fired() -> bool:
            with unit_of_work() as uow:
                left = uow.session.execute(select(Timer.id).where(Timer.id.in_(pending_timers),
                                                                  Timer.fired_at.is_(None))).all()
            return not left

        wait_for(fired, timeout=45, what="every timer pending at the backup to fire")
        wait_for(rig.all_final, timeout=45, what="every message to be sent or reconciled")
        with unit_of_work() as uow:
            found = uow.session.execute(select(OutboxMessage.last_error).where(
                OutboxMessage.id == caught.id)).scalar_one()
            read = uow.session.execute(select(Case.child_name).where(Case.reference == refs[0])).scalar_one()
        assert "found at the provider" in (found or "")  # reconciled, not sent again
        assert read == "Lê Thị Cúc"
        rig.assert_exactly_once("restore drill")
        print(f"[restore drill] cases {cases}, timers pending at the backup {len(pending_timers)} (all fired), "
              f"{time.monotonic() - started:.1f} s")  # bounded by the waits above, not asserted: no timed test
    finally:
        for worker in rig.workers:
            from tests.faults.conftest import kill_group

            kill_group(worker)
        rig.workers.clear()
        from core.db import reset_engine

        _point_at(db, monkeypatch)
        reset_engine()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)'))
        admin.dispose()
