"""The public on Zalo: a signed webhook per message, one conversation, an answer through the OA API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select, text

from core.db import UnitOfWork, unit_of_work
from devtools.zalo_standin import ZaloStandIn
from notifier.models import OutboxMessage
from workflows.case.reports import NewReport
from workflows.casework.service import open_ticket
from workflows.contacts.models import ContactMessage, IntakeContact
from workflows.jobs import deliver_message

USER = "8451209712345678901"


@pytest.fixture
def zalo(client, lines_file, monkeypatch) -> Iterator[ZaloStandIn]:
    from core.settings import reset_settings
    from workflows.clocks.context import reset_gateways

    standin = ZaloStandIn(app_id="1234567890", oa_secret="oa-secret-test", refresh_token="first-refresh").start()
    for key, value in {"HOTLINE_ZALO_APP_ID": "1234567890", "HOTLINE_ZALO_OA_SECRET": "oa-secret-test",
                       "HOTLINE_ZALO_APP_SECRET": "app-secret", "HOTLINE_ZALO_REFRESH_TOKEN": "first-refresh",
                       "HOTLINE_ZALO_API_BASE": standin.url, "HOTLINE_ZALO_OAUTH_BASE": standin.url}.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    reset_gateways()
    yield standin
    standin.stop()
    reset_gateways()


class _ClientPoster:
    """Post the stand-in's signed webhook into the in-process app."""

    def __init__(self, client) -> None:
        self.client = client

    def __call__(self, standin: ZaloStandIn, text: str, msg_id: str) -> int:
        body, headers = standin.signed_webhook(user_id=USER, text=text, msg_id=msg_id)
        return int(self.client.post("/zalo/webhook", content=body, headers=headers).status_code)


def test_three_zalo_messages_are_one_contact_answered_once_through_the_oa_then_a_case(client, zalo):
    say = _ClientPoster(client)
    assert say(zalo, "Chào 111, em bị bố đánh", "m1") == 200
    assert say(zalo, "Em 12 tuổi", "m2") == 200
    assert say(zalo, "Nhà em ở xã Cam Thành, huyện Cam Lộ, Quảng Trị", "m3") == 200
    assert say(zalo, "Nhà em ở xã Cam Thành, huyện Cam Lộ, Quảng Trị", "m3") == 200  # Zalo retried
    with unit_of_work() as uow:
        (contact,) = uow.session.execute(select(IntakeContact).where(IntakeContact.channel == "zalo")).scalars()
        inbound = uow.session.execute(select(ContactMessage).where(ContactMessage.direction == "in")).scalars().all()
        (answer,) = uow.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "reply")).scalars()
    assert len(inbound) == 3 and answer.to_sealed == f"zalo:{USER}"  # the user's id, encrypted...
    with unit_of_work() as uow:  # ...and in no column in clear
        stored = uow.session.execute(text("SELECT to_phone, to_sealed FROM outbox WHERE id = :id"),
                                     {"id": answer.id}).one()
    assert stored.to_phone.startswith("pub:") and USER not in stored.to_phone and USER not in stored.to_sealed

    assert deliver_message(answer.id) in ("sent", "queued", "accepted")
    assert zalo.refreshes == 1  # the first send refreshed the token pair before using it
    (sent,) = zalo.sent
    assert sent["recipient"]["user_id"] == USER and "111" in sent["message"]["text"]

    opened = open_ticket(UnitOfWork(), report=NewReport(description="Trẻ 12 tuổi bị bố đánh",
                                                        location="xã Cam Thành, huyện Cam Lộ, tỉnh Quảng Trị"),
                         channel="zalo", actor="op-lan", via="ui", contact=contact.id)
    with unit_of_work() as uow:
        contact = uow.session.get(IntakeContact, contact.id)
    assert contact.outcome == "case" and opened.state == "assigned"


def test_an_expired_access_token_is_refreshed_and_the_message_still_goes(client, zalo):
    say = _ClientPoster(client)
    say(zalo, "Xin tư vấn", "n1")
    with unit_of_work() as uow:
        (answer,) = uow.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "reply")).scalars()
    from notifier.zalo_adapter import ZaloOa

    ZaloOa().access_token()  # a token is current...
    zalo.expire_tokens()  # ...and Zalo revokes it before it says it would
    deliver_message(answer.id)
    assert len(zalo.sent) == 1 and zalo.refreshes == 2


def test_unsigned_or_wrongly_signed_zalo_webhooks_are_refused(client, zalo):
    body = b'{"event_name": "user_send_text", "timestamp": "1", "sender": {"id": "1"}, "message": {"msg_id": "x"}}'
    assert client.post("/zalo/webhook", content=body).status_code == 403
    assert client.post("/zalo/webhook", content=body, headers={"X-ZEvent-Signature": "mac=00"}).status_code == 403
    # a header is bytes: a letter outside ASCII in it is a wrong signature too, not a 500
    assert client.post("/zalo/webhook", content=body,
                       headers={"X-ZEvent-Signature": "mac=\u00e9".encode("latin-1")}).status_code == 403


def test_a_signed_zalo_event_from_long_ago_is_refused_as_a_replay(client, zalo):
    import time

    for at in (time.time() - 3600, time.time() + 3600):  # an old event replayed, or one dated far ahead
        body, headers = zalo.signed_webhook(user_id=USER, text="Chào 111", msg_id=f"old-{at:.0f}", at=at)
        assert client.post("/zalo/webhook", content=body, headers=headers).status_code == 403
    with unit_of_work() as uow:
        assert uow.session.execute(select(ContactMessage)).first() is None  # nothing taken in
    body, headers = zalo.signed_webhook(user_id=USER, text="Chào 111", msg_id="now", at=time.time() - 60)
    assert client.post("/zalo/webhook", content=body, headers=headers).status_code == 200
