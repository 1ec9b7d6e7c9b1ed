"""The desk's new parts (issue 23) in a real browser at 1280 px, offline: presence and who is free, a reply in
an SMS conversation with a saved reply, the transfer form on a live call, the shift's figures on the board.
Screenshots kept in tests/artifacts/."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.clock import utcnow
from core.db import UnitOfWork, unit_of_work
from notifier.models import OutboxMessage
from tests.browser.conftest import shoot
from tests.browser.test_intake_desk import _sign_in
from workflows.contacts.conversations import receive_public_message
from workflows.contacts.models import DutyOperator
from workflows.contacts.service import open_contact

DESKTOP = {"width": 1280, "height": 900}


def _operators() -> None:
    now = utcnow()
    with UnitOfWork() as uow:
        uow.session.add_all([
            DutyOperator(line="111", name="Trần Thị Lan", address="+84900000001", on_duty=True, ring_order=1,
                         username="lan", presence="away", presence_since=now - timedelta(minutes=30)),
            DutyOperator(line="111", name="Lê Văn Minh", address="+84900000002", on_duty=True, ring_order=2,
                         username="minh", presence="on_call", presence_since=now - timedelta(minutes=4))])
        uow.commit()


def _fits(page) -> bool:
    return int(page.evaluate("document.documentElement.scrollWidth")) <= DESKTOP["width"]


def test_presence_and_a_reply_with_a_saved_reply_at_1280(page) -> None:
    page.set_viewport_size(DESKTOP)
    _operators()
    with UnitOfWork() as uow:
        receive_public_message(uow, channel="sms", provider="jasmin", external_id="mo-1", sender="+84987000444",
                               text="Chao 111, em bi anh trai danh", line="111", now=utcnow() - timedelta(minutes=20))
        uow.commit()
    _sign_in(page, "lan")
    page.goto("/ban-tiep-nhan")
    assert "Vắng mặt" in page.inner_text("#presence") and "0 người sẵn sàng" in page.inner_text("#presence")
    page.select_option("#my-presence", "available")
    page.click("#set-presence")
    page.wait_for_url("**/ban-tiep-nhan")
    assert "1 người sẵn sàng" in page.inner_text("#presence")
    assert _fits(page)
    shoot(page, "desk-presence-1280")

    page.click("#conversations a")
    page.wait_for_selector("#reply-form")
    assert "chưa trả lời" in page.inner_text("#unanswered")
    page.select_option("#saved", "safe_now")
    assert page.input_value("#reply_text").startswith("Bạn hoặc em bé có đang an toàn")
    shoot(page, "contact-reply-1280")
    page.click("#send-reply")
    page.wait_for_selector("#messages li.msg-out >> nth=1")
    timeline = page.inner_text("#messages")
    assert "Người dân" in timeline and "Tư vấn viên" in timeline and "Tự động" in timeline
    assert page.query_selector("#unanswered") is None and _fits(page)
    shoot(page, "contact-replied-1280")
    with unit_of_work() as uow:
        sent = uow.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "conversation")).scalar_one()
    assert sent.body.startswith("Ban hoac em be co dang an toan")


def test_the_transfer_form_on_a_live_call_and_the_shifts_figures_at_1280(page) -> None:
    page.set_viewport_size(DESKTOP)
    now = utcnow()
    with UnitOfWork() as uow:
        contact, _ = open_contact(uow, channel="voice", external_id="CA" + "7" * 32, caller="+84912345678", now=now)
        contact.state, contact.queued_at, contact.answered_at = "in_progress", now - timedelta(seconds=50), \
            now - timedelta(seconds=35)
        contact.answered_by, ref = "lan", contact.reference
        uow.commit()
    _sign_in(page, "lan")
    page.goto(f"/lien-he/{ref}")
    form = page.inner_text("#transfer-form")
    for label in ("Công an (113)", "Cấp cứu (115)", "Cán bộ xã", "Đường dây tỉnh", "Gọi ba bên"):
        assert label in form
    page.check("input[name=target][value=commune]")
    page.click("#transfer")  # no number: the page says why, nothing is dialled
    page.wait_for_selector("#message")
    assert "Cần số điện thoại" in page.inner_text("#message") and _fits(page)
    shoot(page, "contact-transfer-1280")

    page.context.clear_cookies()
    _sign_in(page, "truongca", role="shift_lead", name="Trưởng ca")
    page.goto("/bang-giam-sat")
    figures = page.inner_text("#shift")
    assert "Số liệu ca trực" in figures and "1/1 (100 %)" in figures and "Nghe máy trong 20 giây" in figures
    assert _fits(page)
    shoot(page, "board-shift-figures-1280")
