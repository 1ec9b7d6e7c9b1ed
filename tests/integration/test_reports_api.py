"""The web report's front doors: JSON API and the public form; bad input is refused whole."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import unit_of_work
from workflows.case.models import Case, RawSubmission, RouteRecord, Ticket

GOOD = {"description": "Cháu bé bị bỏ đói nhiều ngày.", "location": "xã Cam Lộ, Quảng Trị"}


def _count(model) -> int:
    with unit_of_work() as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def test_report_creates_ticket_case_and_routing_decision(client) -> None:
    response = client.post("/api/v1/reports", json={**GOOD, "child_name": "Lê Thị Cúc", "immediate_danger": True})
    assert response.status_code == 201
    reference = response.json()["reference"]
    assert set(reference) <= set("34679ACDEFGHJKMNPQRTUVWXY")
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        assert case.urgency == "emergency" and case.commune_code == "19597" and case.state == "assigned"
        decision = uow.session.execute(select(RouteRecord).where(RouteRecord.case_id == case.id)).scalar_one()
        assert decision.decision["reasons"]
        raw = uow.session.execute(select(Case.child_name).where(Case.id == case.id)).scalar_one()
        assert raw == "Lê Thị Cúc"
        stored = uow.session.connection().exec_driver_sql(
            "SELECT child_name, description FROM cases WHERE id = %s", (case.id,)).one()
        assert "Cúc" not in stored[0] and "đói" not in stored[1]  # encrypted at rest


def test_bad_report_gets_problem_json_per_field_and_stores_nothing(client) -> None:
    response = client.post("/api/v1/reports", json={
        "description": "", "child_age": "mười", "child_sex": "boy", "reporter_phone": "12",
        "immediate_danger": "maybe"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"description", "child_age", "child_sex", "reporter_phone", "immediate_danger"}
    assert errors["reporter_phone"]["message"].startswith("Số điện thoại")
    assert errors["reporter_phone"]["message_en"].startswith("Not a valid phone")
    assert _count(Ticket) == _count(Case) == _count(RawSubmission) == 0


def test_malformed_json_is_a_problem_too(client) -> None:
    response = client.post("/api/v1/reports", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_unknown_place_waits_in_needs_routing(client) -> None:
    response = client.post("/api/v1/reports", json={"description": "Có trẻ bị bạo hành", "location": "xyz"})
    assert response.status_code == 201 and response.json()["status"] == "needs_routing"
    from intake.people.auth import issue_token

    listed = client.get("/api/v1/cases?state=needs_routing",
                        headers={"authorization": f"Bearer {issue_token('op', 'operator')}"}).json()["items"]
    assert [c["reference"] for c in listed] == [response.json()["reference"]]


def test_idempotency_key_returns_the_first_answer(client) -> None:
    first = client.post("/api/v1/reports", json=GOOD, headers={"Idempotency-Key": "partner-42"})
    again = client.post("/api/v1/reports", json=GOOD, headers={"Idempotency-Key": "partner-42"})
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["reference"] == again.json()["reference"] and _count(Case) == 1


def test_form_shows_errors_in_vietnamese_and_keeps_what_was_typed(client) -> None:
    page = client.get("/bao-cao")
    assert page.status_code == 200 and "Báo cáo trẻ em cần được bảo vệ" in page.text and "<script" not in page.text
    bad = client.post("/bao-cao", data={"description": "", "location": "Cam Lộ", "reporter_phone": "abc"})
    assert bad.status_code == 422 and "Bắt buộc phải có" in bad.text and 'value="Cam Lộ"' in bad.text
    assert _count(Case) == 0
    good = client.post("/bao-cao", data={**GOOD, "immediate_danger": "1"})
    assert good.status_code == 201 and 'id="reference"' in good.text
    assert client.get("/bao-cao?lang=en").text.count("Report a child") >= 1


def test_openapi_and_health(client) -> None:
    assert "/api/v1/reports" in client.get("/openapi.json").json()["paths"]
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok" and ready.json()["redis"] == "ok"


def test_operator_routes_a_waiting_case_with_a_recorded_reason(client) -> None:
    from intake.people.auth import issue_token

    reference = client.post("/api/v1/reports", json={"description": "Trẻ bị bỏ rơi", "location": "gần chợ"}).json()[
        "reference"]
    auth = {"authorization": f"Bearer {issue_token('op-lan', 'operator')}"}
    no_reason = client.post(f"/api/v1/cases/{reference}/route", json={"commune_code": "19597", "reason": ""},
                            headers=auth)
    assert no_reason.status_code == 422
    no_team = client.post(f"/api/v1/cases/{reference}/route", json={"commune_code": "00004", "reason": "gọi lại"},
                          headers=auth)
    assert no_team.status_code == 422 and no_team.json()["errors"][0]["field"] == "commune_code"
    routed = client.post(f"/api/v1/cases/{reference}/route",
                         json={"commune_code": "19597", "reason": "Người gọi xác nhận ở Cam Lộ"}, headers=auth)
    assert routed.status_code == 200 and routed.json()["state"] == "assigned"
    view = client.get(f"/api/v1/cases/{reference}", headers=auth).json()
    assert view["routing"]["overridden_by"] == "op-lan"
    assert any("Người gọi xác nhận ở Cam Lộ" in r for r in view["routing"]["reasons"])
    assert [h["event"] for h in view["history"]][-2:] == ["rerouted", "assign"]


def test_two_simultaneous_retries_make_one_case(client) -> None:
    import threading

    from core.db import UnitOfWork
    from workflows.case.reports import NewReport
    from workflows.casework.service import open_ticket

    answers, start = [], threading.Barrier(4)

    def submit() -> None:
        start.wait()
        answers.append(open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị đánh", location="Cam Lộ"),
                                   channel="api", external_id="retry-7"))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(answers) == 4 and len({a.reference for a in answers}) == 1
    assert sum(a.created for a in answers) == 1 and _count(Case) == 1


def test_the_commune_where_the_child_lives_is_informed(client) -> None:
    from notifier.models import OutboxMessage

    response = client.post("/api/v1/reports", json={
        "description": "Trẻ bị bóc lột lao động", "location": "xã Cam Lộ, Quảng Trị",
        "child_home": "phường Hồng Bàng, Hải Phòng", "child_name": "Phạm Văn Tí"})
    assert response.status_code == 201
    with unit_of_work() as uow:
        decision = uow.session.execute(select(RouteRecord.decision)).scalar_one()
        assert decision["commune_code"] == "19597" and decision["informed"] == ["11311"]
        sent = uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
    informed = [m for m in sent if m.purpose == "informed"]
    assert [m.to_phone for m in informed] == ["+84904222333"]  # Hồng Bàng's first contact
    assert "Xa Cam Lo" in informed[0].body and "Ti" not in informed[0].body
    for secret in ("Pham Van Ti", "Phạm", "boc lot", "bóc lột"):  # neither the child nor what happened
        assert secret not in informed[0].body


def test_sexual_abuse_brings_in_the_commune_police_early(client) -> None:
    bad = client.post("/api/v1/reports", json={**GOOD, "category": "gossip"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "category"
    response = client.post("/api/v1/reports", json={**GOOD, "category": "sexual_abuse"})
    assert response.status_code == 201
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case)).scalar_one()
        decision = uow.session.execute(select(RouteRecord.decision)).scalar_one()
    assert case.urgency == "high"
    roles = [r["role"] for r in decision["recipients"] if r["contact_id"] is not None]
    assert roles[:2] == ["child_protection_officer", "commune_police"]


def test_only_the_commune_chair_of_that_commune_approves_the_plan(client) -> None:
    from intake.people.auth import issue_token

    def bearer(*args: str) -> dict[str, str]:
        return {"authorization": f"Bearer {issue_token(*args)}"}

    operator = bearer("op", "operator")
    reference = client.post("/api/v1/reports", json=GOOD).json()["reference"]

    def move(trigger: str, who: dict[str, str], **facts: str):
        return client.post(f"/api/v1/cases/{reference}/transitions", headers=who,
                           json={"trigger": trigger, "facts": facts})

    # the commune's steps are the commune's (issue 18): an operator is refused, the commune officer takes them
    assert move("acknowledge", operator).status_code == 409
    officer = bearer("xa-cl", "commune_officer", "44", "19597")
    assert move("acknowledge", officer).status_code == 200
    assert move("report_assessment", officer, risk_level="medium").status_code == 200
    assert move("begin_detailed_assessment", officer).status_code == 200
    assert move("draft_plan", officer, plan="Mẫu 04").status_code == 200
    smuggled = move("approve_plan", operator, actor_role="commune_chair")  # a role in the body is refused
    assert smuggled.status_code == 422 and smuggled.json()["errors"][0]["field"] == "facts.actor_role"
    refused = move("approve_plan", operator)
    assert refused.status_code == 409 and refused.headers["content-type"].startswith("application/problem+json")
    assert move("approve_plan", bearer("chair-hb", "commune_chair", "31", "11311")).status_code == 404  # not theirs
    approved = move("approve_plan", bearer("chair-cl", "commune_chair", "44", "19597"))
    assert approved.status_code == 200 and approved.json()["state"] == "intervening"
    view = client.get(f"/api/v1/cases/{reference}", headers=bearer("chair-cl", "commune_chair", "44", "19597"))
    approval = [h for h in view.json()["history"] if h["event"] == "approve_plan"]
    assert view.status_code == 200 and approval[-1]["actor"] == "chair-cl"


def test_a_report_naming_the_reporters_place_and_the_childs_goes_to_the_childs(client) -> None:
    # Issue 22: the reporter's own ward comes first and is written in full; the child's commune wins.
    location = "Tôi ở phường Tam Thanh, Lạng Sơn, gọi báo cháu bé ở xã Cam Lộ, Quảng Trị"
    response = client.post("/api/v1/reports", json={**GOOD, "location": location})
    assert response.status_code == 201 and response.json()["status"] != "needs_routing"
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == response.json()["reference"])).scalar_one()
        assert case.commune_code == "19597" and case.state == "assigned"


def test_two_places_both_the_childs_wait_for_an_operator_who_sees_both(client) -> None:
    location = "nhà cháu ở xã Cam Lộ, Quảng Trị, chuyện xảy ra ở phường Tam Thanh, Lạng Sơn"
    response = client.post("/api/v1/reports", json={**GOOD, "location": location})
    assert response.status_code == 201 and response.json()["status"] == "needs_routing"
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == response.json()["reference"])).scalar_one()
        decision = uow.session.execute(select(RouteRecord).where(RouteRecord.case_id == case.id)).scalar_one()
        shown = [c["commune_code"] for c in decision.decision["candidates"]]
        assert {"19597", "05986"} <= set(shown[:2])
        assert case.commune_code is None
