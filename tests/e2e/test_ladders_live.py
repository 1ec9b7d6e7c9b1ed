"""Ladders end to end: reports over HTTP, a real `hotline worker` (RQ, scheduler, sweeper) firing timers
of the fast policy (tests/fixtures/sla_policy_fast.toml, itself a partial file laid over the default),
and the Twilio stand-in as everybody's phone."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from core.db import UnitOfWork, unit_of_work
from tests.e2e.conftest import wait_for
from workflows.case.facts import parse_facts
from workflows.case.models import Case
from workflows.casework.service import apply
from workflows.clocks.models import Ladder
from workflows.team.models import OperatorAlert

OFFICER, CHAIR, POLICE = "+84912345678", "+84913456789", "+84914567890"
SUPERVISOR, SHIFT_LEAD = "+842333852111", "+842433111111"
CHILD = "Nguyễn Văn An"


def _report(base: str, *, danger: bool = False) -> str:
    response = httpx.post(f"{base}/api/v1/reports", json={
        "description": "Cháu bị bố đánh, đang hoảng sợ.", "location": "xã Cam Lộ, Quảng Trị",
        "child_name": CHILD, "child_age": 9, "reporter_name": "Trần Thị Bé", "reporter_phone": "0987 654 321",
        "consent_to_contact": True, "immediate_danger": danger,
    }, timeout=10)
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


def _to(standin, phone: str, reference: str, start: str = "") -> list:
    return [m for m in standin.messages(to=phone) if reference in m.body and m.body.startswith(start)]


def _private(body: str) -> None:
    assert len(body) <= 160 and body.isascii()
    for secret in ("Nguyen Van An", "Tran Thi Be", "987654321", "hoang so"):
        assert secret not in body


def _do(reference: str, trigger: str, **kw: object) -> None:
    actor, via = str(kw.pop("actor", "officer")), str(kw.pop("via", "api"))
    role, reason = kw.pop("actor_role", "commune_officer"), kw.pop("reason", None)
    apply(UnitOfWork(), reference=reference, trigger=trigger, actor=actor, via=via, actor_role=role,  # type: ignore[arg-type]
          reason=reason, facts=parse_facts(trigger, kw))  # type: ignore[arg-type]


def _ladder(reference: str, clock: str) -> Ladder | None:
    with unit_of_work() as uow:
        case_id = uow.session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
        return uow.session.execute(select(Ladder).where(Ladder.case_id == case_id, Ladder.clock == clock)
                                   ).scalar_one_or_none()


def test_an_emergency_whose_acknowledgement_ladder_is_exhausted_still_breaches_at_twelve_hours(live: dict) -> None:
    standin = live["standin"]
    reference = _report(live["base"], danger=True)
    wait_for(lambda: (row := _ladder(reference, "acknowledge")) is not None and row.stop_reason == "exhausted",
             timeout=40, what="the acknowledgement ladder to run out (chain, call, supervisor)")
    wait_for(lambda: _to(standin, SUPERVISOR, reference, "111 GIAM SAT"), what="the supervisor's SMS")
    legal = wait_for(lambda: all(_to(standin, p, reference, "111 KHAN") for p in (CHAIR, POLICE, SUPERVISOR)),
                     timeout=40, what="the 12-hour clock's breach to reach chair, police and supervisor")
    assert legal
    for phone in (CHAIR, POLICE, SUPERVISOR):
        (sms,) = _to(standin, phone, reference, "111 KHAN")
        _private(sms.body)
        assert "can thiep khan cap 12h" in sms.body and "NHAN" not in sms.body
    wait_for(lambda: {CHAIR, POLICE, SUPERVISOR} <= {c.to for c in standin.calls()}, what="the calls")


def test_plan_approval_escalates_to_the_chair(live: dict) -> None:
    standin = live["standin"]
    reference = _report(live["base"])
    for trigger, facts in (("acknowledge", {}), ("report_assessment", {"risk_level": "medium"}),
                           ("begin_detailed_assessment", {}), ("draft_plan", {"plan": "Mẫu 04"})):
        _do(reference, trigger, **facts)
    overdue = wait_for(lambda: [m for m in _to(standin, CHAIR, reference) if "da qua han" in m.body],
                       timeout=30, what="the chair to be asked to approve the overdue plan")
    body = overdue[0].body
    _private(body)
    assert "phe duyet" in body and "NHAN" not in body
    wait_for(lambda: [m for m in _to(standin, SUPERVISOR, reference) if "phe duyet ke hoach" in m.body],
             timeout=30, what="the supervisor after the chair")
    assert not [m for m in _to(standin, OFFICER, reference) if "phe duyet" in m.body]


def test_wrong_commune_goes_back_to_routing_and_the_shift_lead_is_told(live: dict) -> None:
    standin = live["standin"]
    reference = _report(live["base"])
    _do(reference, "wrong_commune", reason="Nhà cháu ở xã bên cạnh")
    # the alert, whatever else the routing clock's ladder sends the shift lead meanwhile
    alert = wait_for(lambda: [m for m in _to(standin, SHIFT_LEAD, reference, "111 TRUONG CA")
                              if "Xa Cam Lo bao khong dung dia ban" in m.body], what="the shift lead's SMS")[0]
    _private(alert.body)
    with unit_of_work() as uow:
        state = uow.session.execute(select(Case.state).where(Case.reference == reference)).scalar_one()
        assert state == "needs_routing"
        assert uow.session.execute(select(OperatorAlert.kind)).scalars().all() == ["wrong_commune"]
    wait_for(lambda: len(_to(standin, SHIFT_LEAD, reference)) >= 3 and _to(standin, SUPERVISOR, reference),
             timeout=30, what="the routing clock's ladder to reach the shift lead, then the supervisor")
    from intake.people.auth import issue_token

    view = httpx.get(f"{live['base']}/api/v1/cases/{reference}", timeout=10,
                     headers={"Authorization": f"Bearer {issue_token('op1', 'operator')}"}).json()
    ladders = {row["clock"]: row for row in view["ladders"]}
    routing = ladders["routing"]
    assert [t["role"] for t in routing["told"]][:1] == ["shift_lead"] and routing["policy_version"]
    assert [a["kind"] for a in view["alerts"]] == ["wrong_commune"]


def test_an_exhausted_chain_reaches_the_supervisor_at_once(live: dict) -> None:
    standin = live["standin"]
    reference = _report(live["base"])
    wait_for(lambda: _to(standin, OFFICER, reference), what="the assignment SMS")
    for phone in (OFFICER, CHAIR, POLICE):  # the chain of Xã Cam Lộ, in its order for a normal case
        answer = standin.reply(from_phone=phone, body=f"TUCHOI {reference} dang nghi phep")
        assert "tu choi" in answer
    (told,) = wait_for(lambda: _to(standin, SUPERVISOR, reference, "111 GIAM SAT"), timeout=10,
                       what="the supervisor to hear of the exhausted chain")
    _private(told.body)
    assert "khong con ai" in told.body
