"""Two transactions issuing reply codes for one phone at the same moment (the deliverer sending one case's
assignment, a worker another case's escalation) must not hand out the same number: the second waits for
the first to commit, then sees its code taken. Real PostgreSQL, two connections."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import select

from core.db import UnitOfWork, unit_of_work
from workflows.answer_keys import issue_reply_code
from workflows.models import Case
from workflows.reports import NewReport
from workflows.service import open_ticket

PHONE = "+84900000123"  # holds no code yet
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def _case(session, reference: str) -> Case:
    return session.execute(select(Case).where(Case.reference == reference)).scalar_one()


def test_two_transactions_issuing_for_one_phone_get_different_codes(db, redis_conn, roster) -> None:
    first_ref, second_ref = (open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị đánh",
                                                                        location="xã Cam Lộ, Quảng Trị"),
                                         channel="api").reference for _ in range(2))
    second: dict[str, int] = {}

    def other_transaction() -> None:
        with unit_of_work() as uow:
            second["code"] = issue_reply_code(uow.session, _case(uow.session, second_ref), phone=PHONE, now=NOW)
            uow.commit()

    with unit_of_work() as uow:
        first = issue_reply_code(uow.session, _case(uow.session, first_ref), phone=PHONE, now=NOW)
        racer = threading.Thread(target=other_transaction)
        racer.start()
        racer.join(1.0)
        assert racer.is_alive(), "the second transaction did not wait for the first"
        uow.commit()
    racer.join(10)
    assert not racer.is_alive()
    assert (first, second["code"]) == (1, 2)
