"""Jasmin's MO and receipt webhooks: authenticated, idempotent, answering ACK/Jasmin."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from notifier.callbacks import receipt_signature, status_callback_url
from notifier.models import OutboxMessage
from workflows.case.models import Case

KEY = "test-jasmin-key-0123456789"
OFFICER = "84912345678"  # Xã Cam Lộ's first contact, as the carrier writes it


@pytest.fixture
def jasmin_settings(monkeypatch):
    from core.settings import reset_settings

    monkeypatch.setenv("HOTLINE_SMS_PROVIDER", "jasmin")
    monkeypatch.setenv("HOTLINE_JASMIN_INBOUND_KEY", KEY)
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def _report(client) -> str:
    response = client.post("/api/v1/reports", json={
        "description": "Cháu bị đánh", "location": "xã Cam Thành, huyện Cam Lộ, tỉnh Quảng Trị"})
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


def test_sms_receipts_go_to_the_signed_jasmin_url_and_calls_still_to_twilio(jasmin_settings):
    assert "/jasmin/dlr?outbox=5&sig=" in status_callback_url(5, "sms")
    assert status_callback_url(5, "voice").endswith("/twilio/status?outbox=5")


def test_mo_without_the_key_is_refused(client, jasmin_settings):
    response = client.post("/jasmin/mo?key=wrong", data={"id": "m1", "from": OFFICER, "content": "NHAN"})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_mo_reply_acknowledges_once_and_is_answered_by_one_sms(client, jasmin_settings):
    reference = _report(client)
    form = {"id": "jas-1", "from": OFFICER, "to": "8111", "content": f"NHAN {reference}", "coding": "\x00"}
    for _ in range(3):  # Jasmin retries until it reads ACK/Jasmin
        response = client.post(f"/jasmin/mo?key={KEY}", data=form)
        assert response.status_code == 200 and response.text == "ACK/Jasmin"
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        assert case.state == "acknowledged"
        replies = uow.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "reply")).scalars().all()
        assert [(r.to_phone, reference in r.body) for r in replies] == [("+84912345678", True)]


def test_a_receipt_needs_its_signature_and_moves_the_status_forward_only(client, jasmin_settings):
    _report(client)
    with unit_of_work() as uow:
        msg = uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().first()
        assert msg is not None
        msg.status, msg.provider_sid = "accepted", "jas-msg-1"
        uow.commit()
        outbox_id = msg.id
    assert client.post(f"/jasmin/dlr?outbox={outbox_id}&sig=bad", data={"id": "jas-msg-1"}).status_code == 403
    sig = receipt_signature(outbox_id)
    delivered = {"id": "jas-msg-1", "level": "2", "message_status": "DELIVRD"}
    late = {"id": "jas-msg-1", "level": "1", "message_status": "ESME_ROK"}
    for form in (delivered, late, delivered):
        response = client.post(f"/jasmin/dlr?outbox={outbox_id}&sig={sig}", data=form)
        assert response.status_code == 200 and response.text == "ACK/Jasmin"
    with unit_of_work() as uow:
        assert uow.session.get(OutboxMessage, outbox_id).status == "delivered"


def test_the_answer_to_a_member_of_the_public_keeps_their_number_only_encrypted(client, jasmin_settings, gateway):
    from sqlalchemy import text

    from workflows.jobs import deliver_message

    public = "84987000222"  # a parent writing to the short code, as the carrier writes it
    response = client.post(f"/jasmin/mo?key={KEY}", data={"id": "pub-1", "from": public, "to": "111",
                                                          "content": "Chao 111, hang xom danh con"})
    assert response.status_code == 200 and response.text == "ACK/Jasmin"
    with unit_of_work() as uow:
        rows = uow.session.execute(text("SELECT id, to_phone, to_sealed FROM outbox")).all()
    assert len(rows) == 1
    (outbox_id, to_phone, to_sealed) = rows[0]
    assert to_phone.startswith("pub:") and "987000222" not in to_phone and "987000222" not in to_sealed
    assert deliver_message(outbox_id) in ("sent", "queued", "accepted")
    assert [to for kind, to, _ in gateway.sent if kind == "sms"] == ["+" + public]  # still reaches them


def test_nul_bytes_in_an_mo_are_a_clear_error(client, jasmin_settings):
    response = client.post(f"/jasmin/mo?key={KEY}", data={"id": "m9", "from": OFFICER, "content": "NHAN\x00"})
    assert response.status_code == 422
