"""Two transactions issuing reply codes for one phone at the same moment (the deliverer sending one case's
assignment, a worker another case's escalation) must not hand out the same number. The second one does
not wait for the first (it may hold rows the first needs: a wait could deadlock): it gets no code, and its
SMS names the case by reference, which answers as well. Real PostgreSQL, two connections."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from core.db import UnitOfWork, unit_of_work
from workflows.case.models import Case
from workflows.case.reports import NewReport
from workflows.casework.service import open_ticket
from workflows.team.answer_keys import issue, issue_reply_code

PHONE = "+84900000123"  # holds no code yet
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def _two_cases() -> tuple[str, str]:
    """Two cases of one commune: their SMS go to the same officer."""
    first, second = (open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị đánh",
                                                                location="xã Cam Lộ, Quảng Trị"),
                                 channel="api").reference for _ in range(2))
    return first, second


def _case(session, reference: str) -> Case:
    return session.execute(select(Case).where(Case.reference == reference)).scalar_one()


def test_a_second_transaction_issuing_for_the_same_phone_gets_no_code_rather_than_the_same(
        db, redis_conn, roster) -> None:
    first_ref, second_ref = _two_cases()
    with unit_of_work() as first:
        assert issue_reply_code(first.session, _case(first.session, first_ref), phone=PHONE, now=NOW) == 1
        with unit_of_work() as second:  # another connection, while the first has not committed
            assert issue(second.session, _case(second.session, second_ref), phone=PHONE, now=NOW) is None
            assert issue_reply_code(second.session, _case(second.session, second_ref), phone="+84900000999",
                                    now=NOW) == 1  # another phone is not held up
            second.commit()
        first.commit()
    with unit_of_work() as later:  # once the first has committed, the next code is free for the second case
        keys = issue(later.session, _case(later.session, second_ref), phone=PHONE, now=NOW)
        later.commit()
    assert keys is not None and keys.reply_code == 2


def test_an_sms_completed_while_another_transaction_issues_for_its_phone_stays_by_reference(
        db, redis_conn, roster) -> None:
    from notifier.models import OutboxMessage
    from workflows.team.assignment import keys_when_sent

    first_ref, second_ref = _two_cases()
    with unit_of_work() as first:
        with unit_of_work() as second:
            case = _case(second.session, second_ref)
            msg = second.session.execute(select(OutboxMessage).where(
                OutboxMessage.case_id == case.id, OutboxMessage.keys_at_send.is_(True))).scalar_one()
            by_reference = msg.body
            assert issue_reply_code(first.session, _case(first.session, first_ref), phone=msg.to_phone,
                                    now=NOW) == 1
            keys_when_sent(second.session, msg, NOW)
            assert msg.body == by_reference and second_ref in msg.body  # "NHAN TE...": no code, no link
        first.commit()
