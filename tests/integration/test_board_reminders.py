"""Report deadlines as data; reminders before each deadline, once per (period, recipient), with an
injected clock; who has not submitted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from core.db import UnitOfWork, unit_of_work
from notifier.models import OutboxMessage
from routing.models import Contact, Supervisor, Team
from workflows.supervision.report_reminders import (
    Unit,
    due_reminders,
    load_config,
    mark_submitted,
    parse_config,
    send_reminders,
)
from workflows.supervision.report_status import submission_status

VN_MORNING = timedelta(hours=1)  # 08:00 in Vietnam


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + VN_MORNING


def test_the_seeded_deadlines_and_a_province_override() -> None:
    config = load_config()
    assert config.default.reminder_days_before == 5
    assert sorted((d.level, d.day, d.month) for d in config.default.deadlines) == [
        ("commune", 5, 11), ("commune", 10, 5), ("province", 15, 11), ("province", 20, 5)]
    custom = parse_config('[default]\nreminder_days_before = 5\ncommune = [{ deadline = "10/5" }]\n'
                          'province = [{ deadline = "20/5" }]\n[provinces."79"]\nreminder_days_before = 7\n')
    assert custom.rules("79").reminder_days_before == 7 and len(custom.rules("79").deadlines) == 2
    with pytest.raises(ValueError):
        parse_config('[default]\ncommune = [{ deadline = "31/2" }]\n')


def test_due_reminders_is_pure_and_skips_what_was_sent_or_submitted() -> None:
    config = load_config()
    units = [Unit("commune", "00004", "01", ("+84901",)), Unit("province", "01", "01", ("+84909",))]
    assert due_reminders(config, today=date(2026, 5, 4), units=units, submitted=set(), sent=set()) == []
    first = due_reminders(config, today=date(2026, 5, 5), units=units, submitted=set(), sent=set())
    assert [(r.level, r.deadline, r.phone) for r in first] == [("commune", date(2026, 5, 10), "+84901")]
    assert first[0].body.isascii() and "10/05/2026" in first[0].body
    assert due_reminders(config, today=date(2026, 5, 10), units=units, sent=set(),
                         submitted={("commune", "00004", date(2026, 5, 10))}) == []
    assert due_reminders(config, today=date(2026, 5, 11), units=units, submitted=set(), sent=set()) == []
    province = due_reminders(config, today=date(2026, 5, 15), units=units, submitted=set(), sent=set())
    assert [(r.level, r.deadline) for r in province] == [("province", date(2026, 5, 20))]


@pytest.fixture
def report_roster(db: str) -> None:
    with unit_of_work() as uow:
        for code in ("00004", "00008"):
            team = Team(commune_code=code, commune_name=f"Xa {code}", province_code="01", province_name="Ha Noi")
            uow.session.add(team)
            uow.session.flush()
            uow.session.add_all([
                Contact(team_id=team.id, full_name="Can bo", phone=f"+8490{code}1", role="child_protection_officer"),
                Contact(team_id=team.id, full_name="Chu tich", phone=f"+8490{code}2", role="commune_chair"),
                Contact(team_id=team.id, full_name="CTV", phone=f"+8490{code}5", role="village_collaborator"),
            ])
        uow.session.add(Supervisor(province_code="01", full_name="So Y te", phone="+84909000001"))
        uow.commit()


def _outbox() -> list[tuple[str, str]]:
    with unit_of_work() as uow:
        return sorted((phone, purpose) for phone, purpose in uow.session.execute(
            select(OutboxMessage.to_phone, OutboxMessage.purpose).where(OutboxMessage.case_id.is_(None))).all())


def test_reminders_fire_before_a_deadline_once(report_roster: None) -> None:
    assert send_reminders(UnitOfWork(), now=_at(date(2026, 5, 4))) == 0  # six days before: not yet
    mark_submitted(UnitOfWork(), level="commune", unit_code="00008", deadline=date(2026, 5, 10), by="x",
                   now=_at(date(2026, 5, 4)))
    assert send_reminders(UnitOfWork(), now=_at(date(2026, 5, 5))) == 2  # officer and chair of 00004 only
    assert _outbox() == [("+8490000041", "report_reminder"), ("+8490000042", "report_reminder")]
    assert send_reminders(UnitOfWork(), now=_at(date(2026, 5, 6))) == 0  # once per period and person
    assert send_reminders(UnitOfWork(), now=_at(date(2026, 5, 15))) == 1  # the province's, to its supervisor
    assert len(_outbox()) == 3
    with unit_of_work() as uow:
        hanoi = submission_status(uow.session, province="01", today=date(2026, 5, 6))
        only = submission_status(uow.session, commune="00008", today=date(2026, 5, 6))
    upcoming = [(s.level, s.due, [u.code for u in s.missing], [u.code for u in s.submitted]) for s in hanoi
                if s.days_left >= 0]
    assert upcoming == [("commune", date(2026, 5, 10), ["00004"], ["00008"]),
                        ("province", date(2026, 5, 20), ["01"], [])]
    assert [(s.due, len(s.missing), len(s.submitted)) for s in only if s.days_left >= 0] == [(date(2026, 5, 10), 0, 1)]
