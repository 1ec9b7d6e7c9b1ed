"""The supervisor board on real PostgreSQL and Redis, under an injected clock: the queries (buckets, scope,
filters, sorting, counts, panels), the three actions through the workflow service, access (another
province's board, case or action: 404 and an audit row), and the live stream picking up a breach."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock, set_clock, utcnow
from core.db import UnitOfWork, unit_of_work
from core.errors import Conflict, InvalidInput
from intake.people import sessions, users
from notifier.models import OutboxMessage, ProviderAlert, RecipientFlag
from workflows.access.models import AccessDenial, User
from workflows.access.policy import Principal
from workflows.case.models import Case
from workflows.case.reports import NewReport
from workflows.casework.service import apply, open_ticket, reroute
from workflows.clocks.models import Ladder
from workflows.jobs import sweep
from workflows.supervision.actions import escalate_now, take_over
from workflows.supervision.board import BoardFilter, BoardScope, board_rows, board_scope, board_summary, open_counts
from workflows.supervision.board_delivery import delivery_problems

# 08:00 in Vietnam: a normal case's 4-hour acknowledgement falls due today, an emergency's 15 minutes within
# the hour.
START = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
CAM_LO, TAY_HOA = "xã Cam Lộ, Quảng Trị", "xã Tây Hòa, Đắk Lắk"
QUANG_TRI, DAK_LAK = "44", "66"
DONG_HOI = "18880"  # a second team in Quảng Trị, to reassign to
SECOND_TEAM = "Xã,Tỉnh,Họ và tên,Thôn,Số điện thoại,Vai trò,Thứ tự,Ghi chú\n" \
              "Phường Đồng Hới,Quảng Trị,Ngô Thị Hạnh,,0916 000 001,Cán bộ bảo vệ trẻ em,1,\n"


@pytest.fixture
def clock(db, redis_conn, roster, gateway, tmp_path: Path) -> Iterator[FrozenClock]:
    from routing.directory import import_roster
    from routing.roster import parse_roster

    roster_file = tmp_path / "second.csv"
    roster_file.write_text(SECOND_TEAM, encoding="utf-8")
    with unit_of_work() as uow:
        import_roster(uow.session, parse_roster(roster_file))
        uow.commit()
    frozen = FrozenClock(START)
    previous = set_clock(frozen)
    yield frozen
    set_clock(previous)


def _open(location: str = CAM_LO, *, danger: bool = False, category: str | None = None) -> str:
    return open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị đánh", location=location,
                                                      immediate_danger=danger, category=category),
                       channel="api").reference


def _breach(clock: FrozenClock, minutes: int) -> None:
    clock.advance(timedelta(minutes=minutes))
    sweep()


SUPERVISOR = Principal(user="gs-qt", role="province_supervisor", province=QUANG_TRI)
OTHER_SUPERVISOR = Principal(user="gs-dl", role="province_supervisor", province=DAK_LAK)
SHIFT_LEAD = Principal(user="truong-ca", role="shift_lead", line="111")


def _rows(scope: BoardScope, **filters: object) -> list[tuple[str, str, str]]:
    with unit_of_work() as uow:
        rows = board_rows(uow.session, scope=scope, now=utcnow(), filters=BoardFilter(**filters))  # type: ignore[arg-type]
    return [(r.reference, r.clock, r.status) for r in rows]


def test_the_board_lists_clocks_by_bucket_in_scope_filtered_and_sorted(clock) -> None:
    urgent = _open(danger=True)
    normal = _open(category="abandonment_neglect")
    elsewhere = _open(TAY_HOA)
    qt = board_scope(SUPERVISOR)
    assert qt == BoardScope(province=QUANG_TRI)
    rows = _rows(qt)
    assert (urgent, "acknowledge", "hour") in rows and (normal, "acknowledge", "today") in rows
    assert (urgent, "emergency_protection", "today") in rows  # 12 h from T0: 20:00 Vietnam time
    assert all(ref != elsewhere for ref, _c, _s in rows)
    _breach(clock, 16)  # the emergency's 15 minutes
    rows = _rows(qt)
    assert rows[0] == (urgent, "acknowledge", "breached")  # breaches first
    with unit_of_work() as uow:
        row = board_rows(uow.session, scope=qt, now=clock.now())[0]
        assert row.ladder == "running" and row.next_at is not None and row.commune_code == "19597"
        summary = board_summary(uow.session, scope=qt, now=clock.now())
        national = board_summary(uow.session, scope=board_scope(SHIFT_LEAD), now=clock.now())  # type: ignore[arg-type]
        counts = open_counts(uow.session, scope=qt)
    assert summary.by == "commune" and summary.counts["19597"]["breached"] == 1
    assert summary.totals["breached"] == 1 and summary.totals["today"] >= 2
    assert national.by == "province" and set(national.counts) == {QUANG_TRI, DAK_LAK}
    assert counts.total == 2 and dict(counts.by_state) == {"assigned": 2}
    assert dict(counts.by_category).get("abandonment_neglect") == 1 and dict(counts.by_channel) == {"api": 2}
    assert _rows(qt, status="today") == [r for r in rows if r[2] == "today"]
    assert {c for _r, c, _s in _rows(qt, clock="acknowledge")} == {"acknowledge"}
    by_clock = _rows(qt, sort="clock", status="today")
    assert [c for _r, c, _s in by_clock] == sorted(c for _r, c, _s in by_clock)
    line = _rows(board_scope(SHIFT_LEAD))  # type: ignore[arg-type]
    assert any(ref == elsewhere for ref, _c, _s in line)
    assert _rows(board_scope(SHIFT_LEAD, province=DAK_LAK)) == [r for r in line if r[0] == elsewhere]  # type: ignore[arg-type]
    assert board_scope(SUPERVISOR, province=DAK_LAK) is None  # another province: no board
    assert board_scope(Principal(user="op", role="operator", line="111")) is None


def test_a_satisfied_clock_leaves_the_board_and_an_exhausted_one_stays_until_then(clock) -> None:
    ref = _open(danger=True)
    for _ in range(12):  # 15 min a contact, then a call, then the supervisor: the ladder runs out
        _breach(clock, 5)
    with unit_of_work() as uow:
        ladder = uow.session.execute(select(Ladder).where(Ladder.clock == "acknowledge")).scalar_one()
        assert ladder.stop_reason == "exhausted"
    qt = BoardScope(province=QUANG_TRI)
    with unit_of_work() as uow:
        row = next(r for r in board_rows(uow.session, scope=qt, now=clock.now()) if r.clock == "acknowledge")
    assert row.status == "breached" and row.ladder == "exhausted"
    with pytest.raises(Conflict):
        escalate_now(UnitOfWork(), reference=ref, clock="acknowledge", actor="gs-qt")
    apply(UnitOfWork(), reference=ref, trigger="acknowledge", actor="officer", via="sms", actor_role="commune_officer")
    assert (ref, "acknowledge", "breached") not in _rows(qt)
    with unit_of_work() as uow:
        ladder = uow.session.execute(select(Ladder).where(Ladder.clock == "acknowledge")).scalar_one()
        assert ladder.stop_reason == "satisfied:acknowledged"


def test_reassign_take_over_and_escalate_now_go_through_the_workflow_and_are_recorded(clock) -> None:
    ref = _open()
    _breach(clock, 4 * 60 + 1)  # the normal 4 hours
    qt = BoardScope(province=QUANG_TRI)
    assert (ref, "acknowledge", "breached") in _rows(qt)
    sent_before = _count(OutboxMessage)
    outcome = escalate_now(UnitOfWork(), reference=ref, clock="acknowledge", actor="gs-qt", reason="gọi gấp")
    assert outcome == "chain" and _count(OutboxMessage) > sent_before  # the next contact got the case
    with pytest.raises(InvalidInput):
        take_over(UnitOfWork(), reference=ref, actor="gs-qt", reason=" ")
    assert take_over(UnitOfWork(), reference=ref, actor="gs-qt", reason="Tôi gọi trực tiếp cho xã") == ["acknowledge"]
    with unit_of_work() as uow:
        row = next(r for r in board_rows(uow.session, scope=qt, now=clock.now()) if r.reference == ref)
    assert row.status == "breached" and row.ladder == "taken_over" and row.held_by == "gs-qt"
    reroute(UnitOfWork(), reference=ref, commune_code=DONG_HOI, reason="Trẻ đang ở Đồng Hới", operator="gs-qt")
    rows = _rows(qt)
    assert (ref, "acknowledge", "breached") not in rows and (ref, "acknowledge", "today") in rows
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == ref)).scalar_one()
        events = [(h.event, h.actor) for h in case.history]
        assert case.commune_code == DONG_HOI
    assert ("escalated_now", "gs-qt") in events and ("taken_over", "gs-qt") in events
    assert ("rerouted", "gs-qt") in events


def _count(model: type) -> int:
    with unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_panels_show_approvals_and_delivery_problems_in_scope(clock) -> None:
    ref = _open()
    for trigger, kw in (("acknowledge", {}), ("report_assessment", {"risk_level": "medium"}),
                        ("begin_detailed_assessment", {}), ("draft_plan", {"plan": "Mẫu 04"})):
        from workflows.case.facts import parse_facts

        apply(UnitOfWork(), reference=ref, trigger=trigger, actor="officer", via="api",
              facts=parse_facts(trigger, kw), actor_role="commune_officer")  # type: ignore[arg-type]
    with unit_of_work() as uow:
        uow.session.add(RecipientFlag(phone="+84913456789", channel="sms", reason="invalid_number",
                                      flagged_at=clock.now()))
        uow.session.add(ProviderAlert(provider="sms", open_slot="sms", opened_at=clock.now(), failures=7,
                                      notified_at=clock.now()))
        msg = uow.session.execute(select(OutboxMessage).limit(1)).scalar_one()
        msg.status, msg.status_at, msg.failure_kind = "failed", clock.now(), "recipient"
        uow.commit()
    from workflows.supervision.board import waiting_for_approval

    with unit_of_work() as uow:
        waiting = waiting_for_approval(uow.session, scope=BoardScope(province=QUANG_TRI))
        problems = delivery_problems(uow.session, scope=BoardScope(province=QUANG_TRI), now=clock.now())
        elsewhere = delivery_problems(uow.session, scope=BoardScope(province=DAK_LAK), now=clock.now())
    assert [(w.reference, w.state) for w in waiting] == [(ref, "plan_drafted")] and waiting[0].since is not None
    assert problems.outage is not None and problems.outage.failures == 7
    assert [(b.who, b.reason) for b in problems.bad_numbers] == [("Trần Văn Bình", "invalid_number")]
    assert len(problems.failed) == 1 and problems.failed[0].reference == ref
    assert elsewhere.bad_numbers == [] and elsewhere.failed == []


def _signed_in(client, username: str, role: str, **scope: str) -> str:
    users.add_user(UnitOfWork(), username=username, role=role, password=None, **scope)
    with UnitOfWork() as uow:
        user_id = uow.session.execute(select(User.id).where(User.username == username)).scalar_one()
    cookie, session = sessions.start(UnitOfWork(), user_id=user_id, client="test")
    client.cookies.set(sessions.COOKIE, cookie)
    return session.csrf_token


def _denials() -> list[tuple[str, str, str]]:
    with unit_of_work() as uow:
        return [(d.principal, d.object_kind, d.action) for d in uow.session.execute(select(AccessDenial)).scalars()]


def test_a_province_supervisor_sees_only_their_province_and_is_refused_elsewhere_with_an_audit_row(clock,
                                                                                                 client) -> None:
    mine, theirs = _open(danger=True), _open(TAY_HOA, danger=True)
    _breach(clock, 16)
    csrf = _signed_in(client, "gs-qt", "province_supervisor", province=QUANG_TRI)
    page = client.get("/bang-giam-sat")
    assert page.status_code == 200 and mine in page.text and theirs not in page.text
    assert 'data-stream="/bang-giam-sat/su-kien"' in page.text and "Bảng giám sát" in page.text
    assert client.get("/bang-giam-sat?muc=breached&sap-xep=commune&giam=1&dong-ho=acknowledge").status_code == 200
    assert client.get("/bang-giam-sat?sap-xep=nonsense&muc=%3Cx%3E&tinh=abc").status_code == 200  # dropped
    assert client.get(f"/bang-giam-sat?tinh={DAK_LAK}").status_code == 404
    assert client.get(f"/bang-giam-sat/ca/{theirs}").status_code == 404
    assert client.get(f"/bang-giam-sat/su-kien?tinh={DAK_LAK}").status_code == 404
    for action, form in (("nhan-xu-ly", {"reason": "x"}), ("bao-tiep", {"clock": "acknowledge"}),
                         ("giao-lai", {"commune_code": "24460", "reason": "x"})):
        answer = client.post(f"/bang-giam-sat/ca/{theirs}/{action}", data={**form, "csrf_token": csrf},
                             follow_redirects=False)
        assert answer.status_code == 404, action
    assert client.post(f"/bang-giam-sat/ca/{mine}/nhan-xu-ly", data={"reason": "x"}).status_code == 400  # no CSRF
    denials = _denials()
    assert ("gs-qt", "board", "board_view") in denials and ("gs-qt", "case", "board_view") in denials
    for action in ("board_take_over", "board_escalate", "board_reassign"):
        assert ("gs-qt", "case", action) in denials
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == theirs)).scalar_one()
        assert [h.event for h in case.history if h.actor == "gs-qt"] == []  # nothing happened to it
    action_page = client.get(f"/bang-giam-sat/ca/{mine}")
    assert action_page.status_code == 200 and DONG_HOI in action_page.text
    done = client.post(f"/bang-giam-sat/ca/{mine}/nhan-xu-ly", data={"reason": "Tôi xử lý", "csrf_token": csrf},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/bang-giam-sat?da=nhan-xu-ly")
    empty = client.post(f"/bang-giam-sat/ca/{mine}/giao-lai", data={"commune_code": DONG_HOI, "reason": "",
                                                                    "csrf_token": csrf})
    assert empty.status_code == 422 and "lý do" in empty.text  # a readable message, not a 500
    moved = client.post(f"/bang-giam-sat/ca/{mine}/giao-lai", data={"commune_code": DONG_HOI, "reason": "Đồng Hới",
                                                                    "csrf_token": csrf}, follow_redirects=False)
    assert moved.status_code == 303
    assert "Đã giao ca" in client.get(moved.headers["location"]).text


def test_a_line_supervisor_sees_every_province_and_an_operator_has_no_board(clock, client) -> None:
    mine, theirs = _open(danger=True), _open(TAY_HOA, danger=True)
    _signed_in(client, "truong-ca", "shift_lead", line="111")
    page = client.get("/bang-giam-sat?lang=en")
    assert page.status_code == 200 and mine in page.text and theirs in page.text and "Supervisor board" in page.text
    client.cookies.clear()
    _signed_in(client, "lan", "operator", line="111")
    assert client.get("/bang-giam-sat").status_code == 404
    assert ("lan", "board", "board_view") in _denials()


def test_the_stream_sends_the_board_again_when_a_timer_breaches(clock) -> None:
    from intake.board.supervisor import Asked, shared_live_html
    from intake.web.live import event_stream

    ref = _open(danger=True)
    scope = BoardScope(province=QUANG_TRI)

    class Watching:
        async def is_disconnected(self) -> bool:
            return False

    response = event_stream(Watching(), lambda fresh: shared_live_html("vi", scope, Asked(), fresh=fresh),  # type: ignore[arg-type]
                            event="board", poll_seconds=0.02)

    async def watch() -> tuple[str, str]:
        events = response.body_iterator
        assert await anext(events) == "retry: 2000\n\n"
        first = str(await anext(events))
        _breach(clock, 16)  # the sweeper fires the acknowledgement deadline, as in production
        while True:  # the next event the stream sends is the board after the breach
            event = str(await anext(events))
            if event.startswith("event: board"):
                return first, event

    # Its own thread and event loop: the session's Playwright keeps a loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        first, after = pool.submit(lambda: asyncio.run(asyncio.wait_for(watch(), timeout=30))).result()
    assert first.startswith("event: board\n") and f'data-ref="{ref}"' in first
    assert 'data-status="hour"' in first and 'data-status="breached"' not in first.split('id="rows"')[1]
    row = after.split(f'data-ref="{ref}" data-clock="acknowledge"')[1][:40]
    assert 'data-status="breached"' in row


def test_the_board_shows_which_units_of_its_scope_have_not_handed_in_their_report(clock, client) -> None:
    _signed_in(client, "gs-qt", "province_supervisor", province=QUANG_TRI)
    page = client.get("/bang-giam-sat")
    assert page.status_code == 200
    section = page.text[page.text.index('<section id="not-submitted">'):]
    section = section[:section.index("</section>")]
    # 24/11: the communes' 5/11 deadline has passed and nobody in Quảng Trị has handed in
    assert 'data-level="commune" data-due="2026-11-05"' in section and "quá hạn 19 ngày" in section
    assert "Cam Lộ" in section and "Đồng Hới" in section and "Tây Hòa" not in section
    assert 'data-level="province" data-due="2026-11-15"' in section


def test_an_open_case_stays_on_the_board_until_closed_whatever_its_next_deadline(clock) -> None:
    # issue 18: the board shows every open case until it is closed: a separation reviewed in 15 days (Art. 32(3))
    # or a plan followed for a month is "later", not gone
    from workflows.case.facts import parse_facts

    ref = _open(danger=True)
    now = clock.now()
    steps = (("acknowledge", "commune_officer", {}),
             ("start_emergency", "commune_police", {"measure": "Đưa trẻ đến nhà bà", "taken_by": "Công an xã",
                                                    "taken_at": now.isoformat()}),
             ("separate", "commune_chair", {"decision": "12/QĐ", "starts_on": now.date().isoformat(),
                                            "ends_on": (now.date() + timedelta(days=15)).isoformat()}))
    for trigger, role, kw in steps:
        apply(UnitOfWork(), reference=ref, trigger=trigger, actor=role, via="api", actor_role=role,
              facts=parse_facts(trigger, kw))  # type: ignore[arg-type]
    qt = BoardScope(province=QUANG_TRI)
    rows = [r for r in _rows(qt) if r[0] == ref]
    assert (ref, "separation_review", "later") in rows and (ref, "emergency_plan", "today") in rows  # T0 + 12 h
    assert (ref, "separation_review", "later") in _rows(qt, status="later")
    assert (ref, "separation_review", "later") not in _rows(qt, status="today")
    with unit_of_work() as uow:
        assert board_summary(uow.session, scope=qt, now=clock.now()).totals["later"] >= 1
    clock.advance(timedelta(days=14, hours=23))  # still open, still there: its review is due today now
    assert (ref, "separation_review", "today") in _rows(qt) or (ref, "separation_review", "hour") in _rows(qt)
