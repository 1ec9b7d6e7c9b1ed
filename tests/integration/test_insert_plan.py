"""core.insert_plan: an insert-only transaction's new rows in one statement, as the ORM's flush would write them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import IntegrityError

from core.db import get_engine, unit_of_work
from core.insert_plan import write_new
from workflows.case.models import Case, CaseHistory, RawSubmission, Ticket, Timer

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def _new_case(reference: str) -> tuple[Ticket, Case]:
    ticket = Ticket(reference=reference, channel="api", received_at=T0)
    case = Case(reference=reference, ticket=ticket, state="received", urgency="normal", received_at=T0,
                description="Trẻ bị bỏ đói", child_name="Lê Văn Đức", history=[], timers=[], decisions=[])
    case.history.append(CaseHistory(at=T0, actor="partner", via="api", event="assign", reason="lý do"))
    case.timers.extend([Timer(clock="acknowledge", kind=kind, armed_in_state="assigned", due_at=T0)
                        for kind in ("deadline", "reminder")])
    return ticket, case


def test_new_rows_go_in_as_one_statement_with_their_ids_keys_defaults_and_encryption(db: str) -> None:
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with unit_of_work() as uow:
        ticket, case = _new_case("TE2222223")
        uow.session.add(RawSubmission(channel="api", payload="{}", received_at=T0, ticket=ticket))
        uow.session.add(case)
        event.listen(get_engine(), "before_cursor_execute", listener)
        try:
            assert write_new(uow.session) is True
            uow.commit()
        finally:
            event.remove(get_engine(), "before_cursor_execute", listener)
    once = "SELECT pg_get_serial_sequence"  # a table's sequence, looked up once per process
    rows = [statement for statement in statements if not statement.startswith(once)]
    assert len(rows) == 1 and rows[0].startswith("WITH ids AS MATERIALIZED"), statements
    assert case.id is not None and ticket.id is not None and case.ticket_id == ticket.id
    assert [t.case_id for t in case.timers] == [case.id, case.id] and case.timers[0].id < case.timers[1].id
    with unit_of_work() as uow:
        stored = uow.session.execute(select(Case).where(Case.reference == "TE2222223")).scalar_one()
        assert (stored.id, stored.ticket_id, stored.child_name) == (case.id, ticket.id, "Lê Văn Đức")
        assert stored.line == "111"
        assert stored.received_at == T0 and stored.immediate_danger is False  # a Python default, typed
        assert [h.reason for h in stored.history] == ["lý do"]
        assert [(t.kind, t.due_at) for t in stored.timers] == [("deadline", T0), ("reminder", T0)]
        raw = uow.session.execute(select(RawSubmission).where(RawSubmission.ticket_id == ticket.id)).scalar_one()
        assert raw.payload == "{}"
        # encrypted at rest, as through the ORM
        name = uow.session.execute(text("SELECT child_name FROM cases WHERE id = :id"), {"id": case.id}).scalar_one()
        assert "Đức" not in name


def test_a_taken_reference_fails_the_statement_and_nothing_stays(db: str) -> None:
    with unit_of_work() as uow:
        uow.session.add(_new_case("TE3333334")[1])
        uow.commit()
    with unit_of_work() as uow:
        uow.session.add(_new_case("TE3333334")[1])
        with pytest.raises(IntegrityError):
            write_new(uow.session)
    with unit_of_work() as uow:
        assert len(uow.session.execute(select(Timer)).scalars().all()) == 2


def test_a_transaction_that_also_changes_a_row_is_left_to_the_orm(db: str) -> None:
    with unit_of_work() as uow:
        uow.session.add(_new_case("TE4444445")[1])
        uow.commit()
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == "TE4444445")).scalar_one()
        case.state = "assigned"
        case.history.append(CaseHistory(at=T0, actor="x", via="ui", event="assign"))
        assert write_new(uow.session) is False
        uow.commit()
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == "TE4444445")).scalar_one()
        assert case.state == "assigned" and len(case.history) == 2


def test_a_value_set_to_none_gets_the_columns_default_as_through_the_flush(db: str) -> None:
    # The ORM leaves a None out of its INSERT, so the column's default fires (child_sex is NOT NULL,
    # default "unknown"; immediate_danger defaults to False).
    written = {}
    for reference, plan in (("TE2222231", True), ("TE2222232", False)):
        with unit_of_work() as uow:
            _ticket, case = _new_case(reference)
            case.child_sex = None  # type: ignore[assignment]
            case.immediate_danger = None  # type: ignore[assignment]
            uow.session.add(case)
            if plan:
                assert write_new(uow.session) is True
            uow.commit()  # without the plan: the ORM's flush
        with unit_of_work() as uow:
            stored = uow.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
            written[plan] = (stored.child_sex, stored.immediate_danger)
    assert written[True] == written[False] == ("unknown", False)
