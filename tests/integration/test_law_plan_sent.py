"""NĐ 56/2017 Art. 28(5): the approved plan is sent to the bodies and people responsible for carrying it out.

Each member of the commune team a plan line names gets an SMS with their part (how many lines, the dates), the
commune's child-protection officer every line; nothing that identifies the child or the family goes out, and the
case records who was sent it.
"""

from __future__ import annotations

from sqlalchemy import select

from core.db import UnitOfWork, unit_of_work
from notifier.models import OutboxMessage
from workflows.case.facts import parse_facts
from workflows.case.models import Case
from workflows.case.reports import NewReport
from workflows.casework.service import apply, open_ticket

OFFICER, CHAIR, POLICE, COLLABORATOR = "+84912345678", "+84913456789", "+84914567890", "+84915678901"
PLAN = {"plan": "Cháu Lê Thị Mai an toàn, đi học lại", "services": [
    {"service": "Ngăn chặn bạo lực, nhắc nhở ông Lê Văn Tư", "starts_on": "2026-11-21", "ends_on": "2026-11-30",
     "responsible": "Công an xã Cam Lộ"},
    {"service": "Thăm nhà cháu Mai hằng tuần", "starts_on": "2026-11-22", "ends_on": "2026-12-22",
     "responsible": "Cộng tác viên thôn Tân Xuân"},
    {"service": "Khám sức khỏe", "starts_on": "2026-11-25", "ends_on": "2026-11-26", "responsible": "Trạm y tế xã"},
]}


def _do(ref: str, trigger: str, role: str = "commune_officer", **facts) -> None:
    apply(UnitOfWork(), reference=ref, trigger=trigger, actor=role, via="api", actor_role=role,
          facts=parse_facts(trigger, facts))


def test_the_approved_plan_reaches_those_who_carry_it_out_without_identities(db, redis_conn, roster, gateway):
    ref = open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị bỏ mặc", location="xã Cam Lộ, Quảng Trị",
                                                     child_name="Lê Thị Mai"), channel="api").reference
    _do(ref, "acknowledge")
    _do(ref, "report_assessment", risk_level="medium")
    _do(ref, "begin_detailed_assessment")
    _do(ref, "draft_plan", **PLAN)
    with unit_of_work() as uow:
        assert not uow.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "plan")).first()
    _do(ref, "approve_plan", role="commune_chair")
    with unit_of_work() as uow:
        sent = {m.to_phone: m.body for m in uow.session.execute(
            select(OutboxMessage).where(OutboxMessage.purpose == "plan")).scalars()}
        case = uow.session.execute(select(Case).where(Case.reference == ref)).scalar_one()
        noted = [h for h in case.history if h.event == "plan_sent"]
        assert case.state == "intervening"
        assert len(noted) == 1 and noted[0].facts is not None
        assert sorted(noted[0].facts["to_roles"]) == ["child_protection_officer", "commune_police",
                                                      "village_collaborator"]
    assert set(sent) == {OFFICER, POLICE, COLLABORATOR}  # the chair approved it; no health station on the roster
    assert "3 viec, tu 21/11 den 22/12" in sent[OFFICER]  # the officer coordinates every line
    assert "1 viec, tu 21/11 den 30/11" in sent[POLICE] and "1 viec, tu 22/11 den 22/12" in sent[COLLABORATOR]
    for body in sent.values():
        assert ref in body and len(body) <= 160
        assert not any(word in body for word in ("Mai", "Tư", "Tu", "Le ", "Lê", "Tan Xuan"))  # no identity
