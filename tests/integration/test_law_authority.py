"""Issue 18 through the front doors: T0 from the earliest receipt, the API's Form 01 fields, a crime report
to the commune police at once, and each step refused to whoever the law does not give it to (with who may)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.db import unit_of_work
from intake.people.auth import issue_token
from notifier.models import OutboxMessage
from workflows.case.models import Case, CaseHistory, Timer

CAM_LO = "xã Cam Lộ, Quảng Trị"  # commune 19597, province 44
POLICE = "+84914567890"  # Xã Cam Lộ's commune police (deploy/demo/roster.csv)


def _bearer(name: str, role: str, commune: str | None = None) -> dict[str, str]:
    return {"authorization": f"Bearer {issue_token(name, role, None, commune, line='111' if not commune else None)}"}


def _case(reference: str) -> Case:
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        uow.session.expunge(case)
        return case


def _deadline(reference: str, clock: str) -> Timer | None:
    with unit_of_work() as uow:
        case_id = uow.session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
        return uow.session.execute(select(Timer).where(Timer.case_id == case_id, Timer.clock == clock,
                                                       Timer.kind == "deadline")).scalars().first()


def test_the_api_keeps_the_earlier_receipt_as_t0(client, clock) -> None:
    from intake.people.auth import issue_token

    earlier = clock.now() - timedelta(hours=9)  # the police received it at night; the partner sends it now
    report = {"description": "Trẻ bị bố đánh", "location": CAM_LO, "received_elsewhere_at": earlier.isoformat(),
              "received_elsewhere_by": "Công an xã", "abuser_is_caregiver": True}
    public = client.post("/api/v1/reports", json=report)  # the public may not move T0 (issue 18 item 6)
    assert public.status_code == 422 and public.json()["errors"][0]["field"] == "received_elsewhere_at"
    forged = client.post("/api/v1/reports", json=report, headers={"authorization": "Bearer hl1.nope"})
    assert forged.status_code == 401  # a token sent is checked, never taken for the public
    police = {"authorization": f"Bearer {issue_token('ca-camlo', 'commune_police', '44', '19597')}"}
    response = client.post("/api/v1/reports", json=report, headers=police)
    assert response.status_code == 201, response.text
    reference = response.json()["reference"]
    with unit_of_work() as uow:
        case_id = uow.session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
        actors = uow.session.execute(select(CaseHistory.actor).where(CaseHistory.case_id == case_id)).scalars().all()
    assert actors[0] == "partner:ca-camlo"  # the partner, told apart from the public
    assert client.post("/api/v1/reports", json={"description": "Trẻ bị đánh"}).status_code == 201  # the public
    assert _case(reference).received_at == earlier
    assert _case(reference).urgency == "emergency"  # Art. 31(1): a parent is the abuser
    assert _deadline(reference, "emergency_protection").due_at == earlier + timedelta(hours=12)


def test_the_api_refuses_a_field_it_does_not_know(client) -> None:
    response = client.post("/api/v1/reports", json={"description": "Trẻ bị đánh", "received_at_police": "x"})
    assert response.status_code == 422, response.text


def test_a_crime_report_goes_to_the_commune_police_with_the_assignment(client) -> None:
    response = client.post("/api/v1/reports", json={"description": "Trẻ bị xâm hại tình dục", "location": CAM_LO,
                                                    "category": "sexual_abuse", "child_name": "Lê Thị Mai"})
    reference = response.json()["reference"]
    with unit_of_work() as uow:
        case_id = uow.session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
        told = uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.case_id == case_id, OutboxMessage.to_phone == POLICE)).scalars().all()
    assert [m.purpose for m in told] == ["police"]
    assert reference in told[0].body and "Mai" not in told[0].body  # no identity in an SMS


def test_an_operator_cannot_take_the_communes_step_and_is_told_who_may(client) -> None:
    reference = client.post("/api/v1/reports", json={"description": "Trẻ bị đánh", "location": CAM_LO}).json()[
        "reference"]
    refused = client.post(f"/api/v1/cases/{reference}/transitions", json={"trigger": "acknowledge"},
                          headers=_bearer("op-111", "operator"))
    assert refused.status_code == 409, refused.text
    assert "xã" in refused.text and "commune_" not in refused.text
    assert _case(reference).state == "assigned"
    ok = client.post(f"/api/v1/cases/{reference}/transitions", json={"trigger": "acknowledge"},
                     headers=_bearer("cb-camlo", "commune_officer", "19597"))
    assert ok.status_code == 200, ok.text


def test_a_vice_chair_decides_for_the_chair_and_it_is_recorded(client) -> None:
    reference = client.post("/api/v1/reports", json={"description": "Trẻ bị đánh", "location": CAM_LO}).json()[
        "reference"]
    officer = _bearer("cb-camlo", "commune_officer", "19597")
    for trigger, facts in (("acknowledge", {}), ("report_assessment", {"risk_level": "low"})):
        assert client.post(f"/api/v1/cases/{reference}/transitions", json={"trigger": trigger, "facts": facts},
                           headers=officer).status_code == 200
    assert _deadline(reference, "plan_draft") is not None  # assessed at low risk: the 5 working days run
    police = client.post(f"/api/v1/cases/{reference}/transitions", headers=_bearer("ca-camlo", "commune_police",
                         "19597"), json={"trigger": "close_without_plan", "reason": "Không có căn cứ",
                                         "facts": {"grounds": "unfounded"}})
    assert police.status_code == 409
    vice = client.post(f"/api/v1/cases/{reference}/transitions", headers=_bearer("pct-camlo", "commune_vice_chair",
                       "19597"), json={"trigger": "close_without_plan", "reason": "Không có căn cứ",
                                       "facts": {"grounds": "unfounded"}})
    assert vice.status_code == 200, vice.text
    with unit_of_work() as uow:
        case_id = uow.session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
        closed = uow.session.execute(select(CaseHistory).where(
            CaseHistory.case_id == case_id, CaseHistory.event == "close_without_plan")).scalar_one()
        assert closed.facts["acting_for"] == "commune_chair" and closed.facts["grounds"] == "unfounded"
    assert _case(reference).state == "closed"
