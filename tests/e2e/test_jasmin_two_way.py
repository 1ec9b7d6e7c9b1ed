"""Two-way SMS in Vietnam, for real: the app sends through a real `jasmind`, which speaks SMPP to a
carrier's SMSC (the stand-in); the officer's receipt and reply come back through Jasmin.

Nothing here is a stand-in of Jasmin: it is the PyPI `jasmin` daemon that ./dev test installs in
.venv-jasmin, with RabbitMQ and Redis of this machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from core.db import unit_of_work
from devtools.jasmin_runner import Jasmind, jasmind_path, start_jasmind
from devtools.smsc_standin import SmscStandIn
from notifier.models import OutboxMessage
from tests.e2e.conftest import wait_for
from workflows.case.models import Case

KEY = "e2e-jasmin-inbound-key-42"
SHORT_CODE = "8111"
OFFICER = "84912345678"  # Xã Cam Lộ's first contact (deploy/demo/roster.csv), as the carrier writes it

pytestmark = pytest.mark.skipif(jasmind_path() is None, reason="jasmind not installed (./dev test installs it)")


@pytest.fixture
def jasmin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Jasmind, SmscStandIn]]:
    smsc = SmscStandIn().start()
    daemon = start_jasmind(tmp_path / "jasmin", smsc_port=smsc.port, redis_db=5)
    wait_for(smsc.bound, what="Jasmin to bind to the SMSC")
    for key, value in {
        "HOTLINE_SMS_PROVIDER": "jasmin", "HOTLINE_JASMIN_URL": daemon.http_url,
        "HOTLINE_JASMIN_USERNAME": daemon.username, "HOTLINE_JASMIN_PASSWORD": daemon.password,
        "HOTLINE_JASMIN_FROM": SHORT_CODE, "HOTLINE_JASMIN_INBOUND_KEY": KEY,
    }.items():
        monkeypatch.setenv(key, value)
    try:
        yield daemon, smsc
    finally:
        daemon.stop()
        smsc.stop()


def test_assignment_receipt_and_reply_travel_through_a_real_jasmin(jasmin, live):
    daemon, smsc = jasmin
    daemon.route_mo_to(f"{live['base']}/jasmin/mo?key={KEY}")
    response = httpx.post(f"{live['base']}/api/v1/reports", json={
        "description": "Cháu bị đánh nhiều lần", "child_name": "Nguyễn Văn An",
        "location": "thôn Tân Xuân, xã Cam Thành, huyện Cam Lộ, tỉnh Quảng Trị"}, timeout=10)
    assert response.status_code == 201, response.text
    reference = response.json()["reference"]

    # The assignment leaves through Jasmin, reaches the SMSC from the short code, names no child.
    sms = wait_for(lambda: [m for m in smsc.messages(to=OFFICER) if reference in m.text], timeout=30,
                   what="the assignment SMS at the SMSC")[0]
    assert sms.source == SHORT_CODE and "Nguyen" not in sms.text and "An" not in sms.text.split()
    assert live["standin"].messages() == []  # nothing went through Twilio

    # The handset's receipt comes back through Jasmin to the signed receipt URL.
    def delivered() -> bool:
        with unit_of_work() as uow:
            row = uow.session.execute(select(OutboxMessage).where(
                OutboxMessage.to_phone == "+" + OFFICER, OutboxMessage.purpose == "assignment")).scalar_one()
            return row.status == "delivered"

    wait_for(delivered, timeout=30, what="the delivery receipt through Jasmin")

    # The officer answers from a basic phone to the short code; Jasmin posts it to us.
    smsc.mo(source=OFFICER, destination=SHORT_CODE, text=f"nhan {reference.lower()}  ")

    def acknowledged() -> bool:
        with unit_of_work() as uow:
            case = uow.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
            return case.state == "acknowledged"

    wait_for(acknowledged, timeout=30, what="the case to be acknowledged by the SMS reply")
    answer = wait_for(lambda: [m for m in smsc.messages(to=OFFICER) if m.text.startswith("111: Da ghi nhan")],
                      timeout=30, what="the answer SMS through Jasmin")
    assert len(answer) == 1
