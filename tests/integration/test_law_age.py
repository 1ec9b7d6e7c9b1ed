"""Child Law 2016 Art. 1: a child is under 16; Decree 56/2017's procedure is for children. A report about a
16- or 17-year-old says so plainly, on the API's answer and the console's case page, and leaves the handling to
the hotline operator."""

from __future__ import annotations

from sqlalchemy import select

from core.db import UnitOfWork
from intake.people import sessions, users
from workflows.access.models import User


def _operator(client) -> None:
    users.add_user(UnitOfWork(), username="lan", role="operator", password=None, line="111")
    with UnitOfWork() as uow:
        user_id = uow.session.execute(select(User.id).where(User.username == "lan")).scalar_one()
    cookie, _ = sessions.start(UnitOfWork(), user_id=user_id, client="test")
    client.cookies.set(sessions.COOKIE, cookie)


def _report(client, age: int | None):
    body = {"description": "Em bị đánh ở nhà", "location": "xã Cam Lộ, Quảng Trị"}
    if age is not None:
        body["child_age"] = age
    answer = client.post("/api/v1/reports", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_16_or_17_year_old_is_told_apart_on_the_api_and_the_console(client) -> None:
    for age in (16, 17):
        answer = _report(client, age)
        assert "dành cho trẻ dưới 16 tuổi" in answer["notice"] and "quyết định" in answer["notice"]
        assert "under 16" in answer["notice_en"] and "operator decides" in answer["notice_en"]
    for age in (15, None):
        assert "notice" not in _report(client, age)  # a child: the procedure applies, nothing to say
    older, younger = _report(client, 17)["reference"], _report(client, 9)["reference"]
    _operator(client)
    page = client.get(f"/ca/{older}")
    assert page.status_code == 200 and 'id="over-16"' in page.text and "dành cho trẻ dưới 16 tuổi" in page.text
    assert 'id="over-16"' not in client.get(f"/ca/{younger}").text
    assert "operator decides" in client.get(f"/ca/{older}?lang=en").text
