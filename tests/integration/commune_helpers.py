"""Signing in to the commune pages in tests: the code is read from the outbox, as a phone would get it."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.db import unit_of_work
from notifier.models import OutboxMessage

CAM_LO = "xã Cam Lộ, Quảng Trị"  # 19597: officer Hoa +84912345678, chair Bình +84913456789
TAY_HOA = "xã Tây Hòa, Đắk Lắk"  # officer Em +84935111222
OFFICER, CHAIR, OTHER_OFFICER = "0912 345 678", "0913 456 789", "0935 111 222"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def last_code(phone_e164: str) -> str:
    with unit_of_work() as uow:
        body = uow.session.execute(select(OutboxMessage.body).where(
            OutboxMessage.to_phone == phone_e164, OutboxMessage.purpose == "signin_code")
            .order_by(OutboxMessage.id.desc()).limit(1)).scalar_one()
    found = re.search(r"\b(\d{6})\b", body)
    assert found, body
    return found.group(1)


def e164(phone: str) -> str:
    return "+84" + phone.replace(" ", "")[1:]


def sign_in(client, phone: str) -> None:
    page = client.get("/xa/dang-nhap")
    sent = client.post("/xa/dang-nhap", data={"phone": phone, "csrf_token": csrf_of(page.text)})
    assert sent.status_code == 200, sent.text
    done = client.post("/xa/dang-nhap/ma", data={"phone": phone, "code": last_code(e164(phone)),
                                                 "csrf_token": csrf_of(sent.text)})
    assert done.status_code == 200 and done.url.path == "/xa", (done.status_code, done.url)


def report(client, *, location: str = CAM_LO, home: str | None = None, child: str = "Lê Thị Mai") -> str:
    body = {"description": "Trẻ bị cha đánh nhiều lần", "location": location, "child_name": child,
            "reporter_name": "Người hàng xóm"}
    if home:
        body["child_home"] = home
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.text
    return response.json()["reference"]


def post_form(client, reference: str, trigger: str, data: dict[str, str] | None = None):
    page = client.get(f"/xa/ca/{reference}")
    return client.post(f"/xa/ca/{reference}/{trigger}", data={**(data or {}), "csrf_token": csrf_of(page.text)})


def sent_assignment(phone_e164: str) -> str:
    """The assignment SMS as the phone got it: sent now through a recording gateway, as a worker would (its
    reply code and one-tap link are issued when it is sent)."""
    from tests.integration.conftest import FakeGateway
    from workflows.clocks.context import reset_gateways, use_gateways
    from workflows.field.delivery import deliver_next

    fake = FakeGateway()
    use_gateways(fake, fake)
    try:
        while deliver_next() is not None:
            pass
    finally:
        reset_gateways()
    bodies = fake.to(phone_e164)
    assert bodies, f"nothing was due for {phone_e164}"
    return bodies[-1]
