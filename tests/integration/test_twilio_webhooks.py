"""Twilio's callbacks: checked with the SDK's validator, idempotent, never moving a status backwards."""

from __future__ import annotations

from sqlalchemy import select

from core.db import unit_of_work
from core.settings import get_settings
from notifier.models import OutboxMessage
from notifier.twilio_adapter import sign
from workflows.case.models import Case


def _signed_post(client, path: str, params: dict[str, str]):
    url = get_settings().public_base_url + path
    return client.post(path, data=params, headers={"X-Twilio-Signature": sign(url, params)})


def _an_assignment(client) -> OutboxMessage:
    client.post("/api/v1/reports", json={"description": "Trẻ bị bỏ rơi ở chợ", "location": "xã Cam Lộ, Quảng Trị"})
    with unit_of_work() as uow:
        msg = uow.session.execute(select(OutboxMessage)).scalars().one()
        msg.provider_sid, msg.status = "SM" + "a" * 32, "queued"
        uow.commit()
        return msg


def _status(outbox_id: int) -> str:
    with unit_of_work() as uow:
        return uow.session.get(OutboxMessage, outbox_id).status  # type: ignore[union-attr]


def test_status_callbacks_are_idempotent_and_never_go_backwards(client) -> None:
    msg = _an_assignment(client)
    path = f"/twilio/status?outbox={msg.id}"
    delivered = {"MessageSid": msg.provider_sid, "MessageStatus": "delivered", "AccountSid": "AC1",
                 "ApiVersion": "2010-04-01", "SomeFieldTwilioAddsLater": "x"}
    assert _signed_post(client, path, delivered).status_code == 204
    assert _signed_post(client, path, delivered).status_code == 204  # Twilio retried
    assert _signed_post(client, path, {**delivered, "MessageStatus": "sent"}).status_code == 204  # late, older
    assert _status(msg.id) == "delivered"


def test_bad_signature_is_refused_and_changes_nothing(client) -> None:
    msg = _an_assignment(client)
    path = f"/twilio/status?outbox={msg.id}"
    response = client.post(path, data={"MessageSid": msg.provider_sid, "MessageStatus": "delivered"},
                           headers={"X-Twilio-Signature": "forged"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert _status(msg.id) == "queued"


def test_failed_assignment_falls_over_to_the_next_contact(client) -> None:
    msg = _an_assignment(client)
    _signed_post(client, f"/twilio/status?outbox={msg.id}",
                 {"MessageSid": msg.provider_sid or "", "MessageStatus": "undelivered"})
    with unit_of_work() as uow:
        rows = uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        assert [r.to_phone for r in rows] == ["+84912345678", "+84913456789"]
        assert uow.session.execute(select(Case.assignee_order)).scalar_one() == 1


OTHER_TEAMS_OFFICER = "+84935111222"  # Xã Tây Hòa (deploy/demo/roster.csv)


def test_team_reply_is_applied_once(client) -> None:
    client.post("/api/v1/reports", json={"description": "Trẻ bị đánh", "location": "xã Cam Lộ, Quảng Trị"})
    with unit_of_work() as uow:
        reference = uow.session.execute(select(Case.reference)).scalar_one()
    params = {"MessageSid": "SM" + "b" * 32, "From": "+84912345678", "To": "+84111000111",
              "Body": f"NHAN {reference}"}
    first = _signed_post(client, "/twilio/sms", params)
    again = _signed_post(client, "/twilio/sms", params)
    assert first.status_code == 200 and first.text == again.text and "Da ghi nhan" in first.text
    other_team = _signed_post(client, "/twilio/sms", {**params, "MessageSid": "SM" + "c" * 32,
                                                      "From": OTHER_TEAMS_OFFICER})
    assert "khong thuoc" in other_team.text
    # someone on no roster at all is the public writing to the line, not a command
    stranger = _signed_post(client, "/twilio/sms", {**params, "MessageSid": "SM" + "d" * 32, "From": "+84900000000"})
    assert "goi ngay 111" in stranger.text
    with unit_of_work() as uow:
        assert uow.session.execute(select(Case.state)).scalar_one() == "acknowledged"


def test_case_read_needs_a_token_and_is_audited(client) -> None:
    from intake.people.auth import issue_token
    from workflows.case.models import CaseRead

    reference = client.post("/api/v1/reports", json={"description": "Trẻ bị đánh",
                                                     "location": "xã Cam Lộ, Quảng Trị"}).json()["reference"]
    assert client.get(f"/api/v1/cases/{reference}").status_code == 401
    other = issue_token("sup-hn", "supervisor", "01")
    assert client.get(f"/api/v1/cases/{reference}", headers={"authorization": f"Bearer {other}"}).status_code == 404
    mine = issue_token("sup-qt", "supervisor", "44")
    view = client.get(f"/api/v1/cases/{reference}", headers={"authorization": f"Bearer {mine}"}).json()
    assert view["state"] == "assigned" and view["timers"] and view["history"]
    with unit_of_work() as uow:
        reads = uow.session.execute(select(CaseRead.reader)).scalars().all()
        assert reads == ["sup-qt"]
