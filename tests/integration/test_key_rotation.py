"""Rotating the data keys on real PostgreSQL; a value no key opens never breaks a read or the sweeper."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from typer.testing import CliRunner

from core.clock import FrozenClock, set_clock
from core.crypto import UNREADABLE_TEXT, KeyRing
from core.db import UnitOfWork, get_engine, unit_of_work
from core.settings import reset_settings
from intake.cli import app as cli
from intake.cli.keys import key_counts, rotate
from intake.people.auth import issue_token
from workflows.case.models import Case, CaseHistory, Timer
from workflows.case.reports import NewReport
from workflows.casework.service import apply, open_ticket
from workflows.jobs import sweep


def _operator() -> dict[str, str]:
    """An operator's token (its user lives in the test database, so it is made inside a test)."""
    return {"authorization": f"Bearer {issue_token('op', 'operator')}"}


def _officer() -> dict[str, str]:
    """Xã Cam Lộ's officer: the commune's steps are the commune's (issue 18)."""
    return {"authorization": f"Bearer {issue_token('xa-cl', 'commune_officer', '44', '19597')}"}


@pytest.fixture
def data_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def use(spec: str) -> None:
        monkeypatch.setenv("HOTLINE_DATA_KEYS", spec)
        reset_settings()

    yield use
    monkeypatch.delenv("HOTLINE_DATA_KEYS", raising=False)
    reset_settings()


def _open(name: str = "Lê Thị Cúc", location: str = "xã Cam Lộ, Quảng Trị") -> str:
    report = NewReport(description="Cháu bị bỏ đói", location=location, child_name=name,
                       reporter_phone="+84987654321")
    return open_ticket(UnitOfWork(), report=report, channel="api").reference


def _raw(sql: str, **params: object) -> list[tuple[object, ...]]:
    with get_engine().connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def _break(reference: str, column: str = "child_name") -> int:
    """Store a value under a key the ring does not have (as if HOTLINE_DATA_KEYS lost it)."""
    stranger = KeyRing(("k7",), (Fernet(Fernet.generate_key()),)).encrypt("Nguyễn Văn An")
    with get_engine().begin() as conn:
        conn.execute(text(f"UPDATE cases SET {column} = :v WHERE reference = :r"), {"v": stranger, "r": reference})
        return int(conn.execute(text("SELECT id FROM cases WHERE reference = :r"), {"r": reference}).scalar_one())


def test_rotate_moves_every_value_to_the_new_key_and_resumes(db, redis_conn, roster, data_keys) -> None:
    refs = [_open(f"Trẻ {i}") for i in range(3)]
    apply(UnitOfWork(), reference=refs[0], trigger="decline", actor="op", via="api", reason="Nhà bà Tư, xóm 3",
          actor_role="commune_officer")
    before = key_counts(get_engine())
    assert set(before["cases.child_name"]) == {"k0"}
    data_keys("k1:the-new-secret")
    stopped = []

    def stop_after_two_batches(done: int) -> None:
        stopped.append(done)
        if len(stopped) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rotate(get_engine(), batch=1, on_batch=stop_after_two_batches)
    halfway = key_counts(get_engine())
    moved = sum(counter["k1"] for counter in halfway.values())
    assert 2 <= moved and sum(counter["k0"] for counter in halfway.values()) > 0  # two rows done, committed
    report = rotate(get_engine(), batch=2)  # resumes: the rows already under k1 are not selected again
    assert report.unreadable == []
    after = key_counts(get_engine())
    assert all(set(counter) <= {"k1"} for counter in after.values()), after
    with unit_of_work() as uow:
        names = sorted(c.child_name or "" for c in uow.session.execute(select(Case)).scalars())
        reasons = [h.reason for h in uow.session.execute(select(CaseHistory)).scalars() if h.event == "decline"]
    assert names == ["Trẻ 0", "Trẻ 1", "Trẻ 2"] and reasons == ["Nhà bà Tư, xóm 3"]
    assert rotate(get_engine()).rewritten == 0  # nothing left to do


def test_rotate_encrypts_clear_text_left_from_before_and_reports_what_it_cannot_open(db, redis_conn, roster) -> None:
    ref = _open()
    with get_engine().begin() as conn:
        conn.execute(text("UPDATE case_history SET reason = 'lý do cũ, ghi rõ' "
                          "WHERE id = (SELECT min(id) FROM case_history)"))
    broken_id = _break(ref)
    result = CliRunner().invoke(cli, ["keys", "rotate", "--batch", "10"])
    assert result.exit_code == 1
    assert f"cases id={broken_id} child_name" in result.output
    assert _raw("SELECT count(*) FROM case_history WHERE reason LIKE '%cũ%'") == [(0,)]
    status = CliRunner().invoke(cli, ["keys", "status", "--check"])
    assert status.exit_code == 0 and "cases.child_name: k0 0" not in status.output
    assert "cases.child_name: k7 1, unreadable 1" in status.output


def test_a_case_that_cannot_be_decrypted_is_read_with_a_marker_not_a_500(client, caplog) -> None:
    ref = client.post("/api/v1/reports", json={"description": "Trẻ bị đánh", "location": "xã Cam Lộ, Quảng Trị",
                                               "child_name": "Lê Văn Tám"}).json()["reference"]
    case_id = _break(ref)
    with caplog.at_level(logging.ERROR, logger="workflows.casework.queries"):
        response = client.get(f"/api/v1/cases/{ref}?identity=true", headers=_operator())
    assert response.status_code == 200, response.text
    assert response.json()["identity"]["child_name"] == UNREADABLE_TEXT
    assert response.json()["identity"]["description"] == "Trẻ bị đánh"
    assert f"case id {case_id}: cannot decrypt child_name" in caplog.text and "Tám" not in caplog.text


def test_the_sweeper_fires_the_timer_of_a_case_it_cannot_decrypt(db, redis_conn, roster, gateway) -> None:
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    previous = set_clock(clock)
    try:
        ref = _open()
        _break(ref, "description")
        _break(ref, "location_text")
        clock.advance(timedelta(hours=5))
        assert sweep()["timers_fired"] >= 1
        with unit_of_work() as uow:
            case = uow.session.execute(select(Case).where(Case.reference == ref)).scalar_one()
            ack = uow.session.execute(select(Timer).where(Timer.case_id == case.id, Timer.clock == "acknowledge")
                                      .order_by(Timer.id)).scalars().first()
            assert ack is not None and ack.fired_at is not None
    finally:
        set_clock(previous)


def test_reasons_overrides_and_facts_are_encrypted_at_rest(client) -> None:
    ref = client.post("/api/v1/reports", json={"description": "Trẻ bị đánh", "location": "xã Cam Lộ, Quảng Trị"}
                      ).json()["reference"]
    declined = client.post(f"/api/v1/cases/{ref}/transitions", headers=_officer(),
                           json={"trigger": "decline", "reason": "Bố cháu là Trần Văn Hùng, say rượu"})
    assert declined.status_code == 200, declined.text
    routed = client.post(f"/api/v1/cases/{ref}/route", headers=_operator(),
                         json={"commune_code": "19597", "reason": "Bà ngoại Phạm Thị Lan báo lại"})
    assert routed.status_code == 200, routed.text
    client.post(f"/api/v1/cases/{ref}/transitions", headers=_officer(), json={"trigger": "acknowledge"})
    for move in ({"trigger": "report_assessment", "facts": {"risk_level": "medium"}},
                 {"trigger": "begin_detailed_assessment"},
                 {"trigger": "draft_plan", "facts": {"plan": "Cháu Hoa ở với dì Mai"}}):
        moved = client.post(f"/api/v1/cases/{ref}/transitions", headers=_officer(), json=move)
        assert moved.status_code == 200, moved.text
    stored = " ".join(str(v) for row in _raw("SELECT reason, facts FROM case_history") for v in row)
    stored += " ".join(str(v) for row in _raw("SELECT decision FROM route_records") for v in row)
    clear = re.sub(r"[A-Za-z0-9_=:-]{40,}", "<ciphertext>", stored)  # "Hoa" may occur inside base64 by chance
    assert "<ciphertext>" in clear
    for secret in ("Hùng", "Phạm Thị Lan", "Hoa", "Mai"):
        assert secret not in clear
    view = client.get(f"/api/v1/cases/{ref}?identity=true", headers=_operator()).json()
    reasons = [h["reason"] for h in view["history"]]
    assert "Bố cháu là Trần Văn Hùng, say rượu" in reasons and "Bà ngoại Phạm Thị Lan báo lại" in reasons
    assert any((h.get("facts") or {}).get("plan") == "Cháu Hoa ở với dì Mai" for h in view["history"])
    assert "Phạm Thị Lan" in " ".join(view["routing"]["reasons"])


def test_the_migration_runs_on_sqlite_and_old_clear_decisions_are_read_then_encrypted(tmp_path) -> None:
    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from migrations.run import alembic_config
    from workflows.case.models import RouteRecord

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config()
    cfg.attributes["connection"] = engine
    command.upgrade(cfg, "e7a19255f1ac")  # the schema before this change, with a decision stored in clear
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO route_records (id, case_id, decided_at, decided_by, decision) "
                          "VALUES (1, 1, '2026-01-05 02:00:00', 'op', :d)"),
                     {"d": '{"reasons": ["Tư vấn viên chuyển sang Xã A: bà Lan báo"], "recipients": []}'})
    command.upgrade(cfg, "head")
    with Session(engine) as s:
        assert s.get(RouteRecord, 1).decision["reasons"] == ["Tư vấn viên chuyển sang Xã A: bà Lan báo"]  # type: ignore[union-attr]
    assert rotate(engine).rewritten == 1
    with engine.connect() as conn:
        assert "Lan" not in conn.execute(text("SELECT decision FROM route_records")).scalar_one()
    with Session(engine) as s:
        assert s.get(RouteRecord, 1).decision["recipients"] == []  # type: ignore[union-attr]
    engine.dispose()


def test_the_migration_seals_the_publics_numbers_already_in_the_outbox(tmp_path) -> None:
    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from migrations.run import alembic_config
    from notifier.models import OutboxMessage

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config()
    cfg.attributes["connection"] = engine
    command.upgrade(cfg, "board_channel")  # before: the answers to the public kept their numbers in clear
    rows = [(1, "zalo:8451209712345678901", "reply"), (2, "+84987000222", "reply"), (3, "+84912345678", "reply"),
            (4, "+84912345678", "assignment")]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO teams (id, commune_code, commune_name, province_code, province_name, "
                          "created_at) VALUES (1, '19597', 'Xã Cam Lộ', '44', 'Quảng Trị', '2026-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO contacts (id, team_id, full_name, village, phone, role, chain_order, note) "
                          "VALUES (1, 1, 'A', '', '+84912345678', 'officer', 1, '')"))
        for outbox_id, to, purpose in rows:
            conn.execute(text(
                "INSERT INTO outbox (id, channel, purpose, to_phone, body, status, priority, attempts, "
                "provider_failures, created_at, next_attempt_at, keys_at_send) VALUES (:id, 'sms', :purpose, :to, "
                "'111: da nhan', 'queued', 2, 1, 0, '2026-01-05 02:00:00', '2026-01-05 02:00:00', 0)"),
                {"id": outbox_id, "to": to, "purpose": purpose})
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, to_phone || ' ' || coalesce(to_sealed, '') FROM outbox")).all())
    assert "8451209712345678901" not in stored[1] and "987000222" not in stored[2]
    assert stored[1].startswith("pub:") and stored[2].startswith("pub:")
    assert stored[3].startswith("+84912345678") and stored[4].startswith("+84912345678")  # the roster's: as they were
    with Session(engine) as s:
        assert [s.get(OutboxMessage, i).to_sealed for i in (1, 2, 3)] == [  # type: ignore[union-attr]
            "zalo:8451209712345678901", "+84987000222", None]
    engine.dispose()
