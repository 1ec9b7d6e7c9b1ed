"""The row plan writes exactly what the ORM's flush writes: the same reports, opened once each way on an
emptied database with a frozen clock, leave the same rows in every table (ids included, identities
decrypted) and the same wake-ups in Redis."""

from __future__ import annotations

from itertools import count
from typing import Any

import pytest
from sqlalchemy import select, text

from core.db import Base, UnitOfWork, get_engine
from intake.api.report_input import ReportIn

REPORTS: list[dict[str, Any]] = [
    {"description": "Cháu bé bị đánh nhiều lần, cần hỗ trợ.", "location": "xã Cam Lộ, Quảng Trị",
     "child_name": "Lê Văn Đức", "child_age": 9, "reporter_phone": "0987 654 321", "consent_to_contact": True},
    # the same team's phone again: held in the fold window opened by the first
    {"description": "Một cháu khác ở cùng xã bị bỏ đói.", "location": "thôn Tân Xuân, xã Cam Thành, huyện Cam Lộ, "
     "tỉnh Quảng Trị", "child_sex": "female"},
    # an emergency whose child lives in another commune: no folding, the home commune is told too
    {"description": "Trẻ đang gặp nguy hiểm ngay lúc này!", "location": "P. Hồng Bàng, TP Hải Phòng",
     "immediate_danger": True, "category": "sexual_abuse", "child_home": "xã Tây Hòa, Đắk Lắk",
     "reporter_name": "Người báo tin"},
    # nowhere to be found: held for routing, the province's supervisors (if any) are told
    {"description": "Không rõ địa chỉ, chỉ biết cháu rất sợ hãi.", "location": "không biết ở đâu"},
]


def _empty_and_seed() -> None:
    from devtools.demo import import_demo_roster
    from routing.directory import forget_cached_directory

    with get_engine().begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    forget_cached_directory()
    import_demo_roster()


def _open_all(monkeypatch: pytest.MonkeyPatch, redis_conn: Any) -> tuple[dict[str, list[tuple[Any, ...]]], list[str]]:
    import workflows.casework.service as service
    import workflows.contacts.service as contacts

    redis_conn.flushdb()
    _empty_and_seed()
    numbers = count(1)
    monkeypatch.setattr(service, "new_reference", lambda: f"TE{next(numbers):07d}")
    monkeypatch.setattr(contacts, "new_reference", lambda prefix: f"{prefix}{next(numbers):07d}")
    for n, fields in enumerate(REPORTS):
        report = ReportIn.model_validate(fields)
        service.open_ticket(UnitOfWork(), report=report.to_report(), channel="api", actor="partner", via="api",
                            external_id=f"key-{n}", request_hash=report.fingerprint())
    with get_engine().connect() as conn:  # Core through the column types: identities decrypted
        rows = {table.name: sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
                for table in Base.metadata.sorted_tables}
    return rows, sorted(key.decode() for key in redis_conn.keys("*"))


def test_the_row_plan_and_the_orm_flush_leave_the_same_rows_and_wake_ups(
    db: str, redis_conn: Any, frozen_clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workflows.casework.service as service

    written: list[bool] = []
    real = service.write_new
    monkeypatch.setattr(service, "write_new", lambda session: written.append(real(session)) or written[-1])
    planned = _open_all(monkeypatch, redis_conn)
    assert written == [True] * len(REPORTS)
    monkeypatch.setattr(service, "write_new", lambda session: False)  # the ORM's flush at the commit
    flushed = _open_all(monkeypatch, redis_conn)
    assert planned[1] == flushed[1]
    for table, rows in flushed[0].items():
        assert planned[0][table] == rows, table
    assert planned[0]["cases"] and planned[0]["outbox"] and planned[0]["outbox_folds"]
