"""The work list pages with a cursor past 200 cases; an SMS answer is recorded as the roster member."""

from __future__ import annotations

from sqlalchemy import insert, select

from core.clock import utcnow
from core.db import UnitOfWork, get_engine, unit_of_work
from intake.people.auth import issue_token
from routing.models import Contact
from workflows.case.models import Case, Ticket
from workflows.case.reports import NewReport
from workflows.casework.service import open_ticket
from workflows.field.commands import handle_command


def _operator() -> dict[str, str]:
    """An operator's token (its user lives in the test database, so it is made inside a test)."""
    return {"authorization": f"Bearer {issue_token('op', 'operator')}"}
OFFICER = "+84912345678"  # first of Xã Cam Lộ's chain in the demo roster


def _waiting_cases(count: int) -> set[str]:
    """`count` cases in needs_routing, written in bulk (the service would take a while for 230)."""
    now = utcnow()
    refs = {f"TQ{i:07d}" for i in range(count)}
    with get_engine().begin() as conn:
        tickets = conn.execute(insert(Ticket).returning(Ticket.id, Ticket.reference), [
            {"reference": r, "channel": "api", "received_at": now, "created_at": now} for r in sorted(refs)]).all()
        conn.execute(insert(Case), [
            {"reference": ref, "ticket_id": tid, "state": "needs_routing", "urgency": "normal", "received_at": now,
             "description": "x", "immediate_danger": False, "child_sex": "unknown", "consent_to_contact": False,
             "assignee_order": 0, "escalation_level": 0, "created_at": now, "updated_at": now}
            for tid, ref in tickets])
    return refs


def test_the_work_list_pages_past_200_with_a_cursor(client) -> None:
    refs = _waiting_cases(230)  # all at the same moment: the cursor must break ties by id
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"state": "needs_routing", "limit": 100, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/cases", params=params, headers=_operator()).json()
        seen += [c["reference"] for c in body["items"]]
        assert all("child_name" not in c and "description" not in c for c in body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == 230 and set(seen) == refs


def test_a_bad_cursor_is_a_problem_not_a_500(client) -> None:
    response = client.get("/api/v1/cases", params={"state": "needs_routing", "cursor": "@@not-ours"},
                          headers=_operator())
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_sms_answer_is_recorded_as_the_roster_member_not_phone_digits(db, redis_conn, roster) -> None:
    ref = open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị đánh", location="xã Cam Lộ, Quảng Trị"),
                      channel="api").reference
    answer = handle_command(UnitOfWork(), channel="twilio", external_id="SM" + "1" * 32, from_phone=OFFICER,
                            text=f"NHAN {ref}")
    assert "Da ghi nhan" in answer
    with unit_of_work() as uow:
        member = uow.session.execute(select(Contact).where(Contact.phone == OFFICER)).scalars().first()
        case = uow.session.execute(select(Case).where(Case.reference == ref)).scalar_one()
        actors = [h.actor for h in case.history if h.event == "acknowledge"]
        assert member is not None
        assert actors == [f"member:{member.id} {member.full_name}"[:64]]
        assert OFFICER[-4:] not in actors[0]
