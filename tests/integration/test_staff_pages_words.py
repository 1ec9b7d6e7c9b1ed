"""Staff pages in words people read (issue 20): each role lands on its own page, the page asked for is
kept (only a page of ours), a refusal is a page; no internal name of a state, clock, role or channel on
the case page or /xa; a danger contact closes without a case only confirmed and with a reason."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

from sqlalchemy import select

from core.db import UnitOfWork
from intake.people import sessions, users
from intake.web.words import internal_names
from workflows.access.models import User
from workflows.case.reports import NewReport
from workflows.casework.service import open_ticket
from workflows.contacts.models import IntakeContact
from workflows.contacts.service import open_contact

PASSWORD = "một mật khẩu đủ dài 2026"
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _sign_in(client, username: str, *, next_url: str | None = None):
    page = client.get("/dang-nhap" + (f"?next={next_url}" if next_url else ""))
    data = {"username": username, "password": PASSWORD, "csrf_token": _csrf(page.text)}
    hidden = re.search(r'name="next" value="([^"]*)"', page.text)
    if hidden:
        data["next"] = unescape(hidden.group(1))
    return client.post("/dang-nhap", data=data, follow_redirects=False)


def _session(client, username: str, role: str, **scope: str) -> str:
    user = users.add_user(UnitOfWork(), username=username, role=role, password=None, **scope)
    with UnitOfWork() as uow:
        user_id = uow.session.execute(select(User.id).where(User.username == user.username)).scalar_one()
    cookie, session = sessions.start(UnitOfWork(), user_id=user_id, client="test")
    client.cookies.set(sessions.COOKIE, cookie)
    return session.csrf_token


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _internal_words(text: str) -> set[str]:
    names = internal_names()
    return {word for word in re.findall(r"[A-Za-z_]+", text) if word in names}


def test_each_role_lands_on_its_own_page_and_the_page_asked_for_is_kept(client) -> None:
    for name, role, scope in (("lan", "operator", {"line": "111"}), ("truongca", "shift_lead", {"line": "111"}),
                              ("tinh", "province_supervisor", {"province": "01"})):
        users.add_user(UnitOfWork(), username=name, role=role, password=PASSWORD, **scope)
    assert _sign_in(client, "lan").headers["location"] == "/ban-tiep-nhan"
    client.cookies.clear()
    assert _sign_in(client, "truongca").headers["location"] == "/bang-giam-sat"
    client.cookies.clear()
    assert _sign_in(client, "tinh", next_url="/thong-ke").headers["location"] == "/thong-ke"
    client.cookies.clear()
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "/dang-xuat"):
        assert _sign_in(client, "tinh", next_url=evil).headers["location"] == "/bang-giam-sat", evil
        client.cookies.clear()
    # A staff page asked for before sign-in sends to the sign-in page, which comes back to it.
    asked = client.get("/bang-giam-sat", follow_redirects=False)
    assert asked.status_code == 303 and asked.headers["location"] == "/dang-nhap?next=%2Fbang-giam-sat"


def test_statistics_refused_to_an_operator_is_a_page_not_json(client) -> None:
    _session(client, "lan", "operator", line="111")
    refused = client.get("/thong-ke")
    assert refused.status_code == 404 and refused.headers["content-type"].startswith("text/html")
    assert "<html" in refused.text.lower() and 'href="/ban-tiep-nhan' in refused.text


def test_the_case_page_and_the_commune_list_show_no_internal_names(client) -> None:
    ticket = open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị đánh", location="không rõ"), channel="web")
    _session(client, "truongca", "shift_lead", line="111")
    page = client.get(f"/ca/{ticket.reference}")
    assert page.status_code == 200
    text = _visible(page.text)
    assert _internal_words(text) == set(), _internal_words(text)
    assert "chọn xã xử lý" in text  # the routing clock, by its name
    english = _visible(client.get(f"/ca/{ticket.reference}?lang=en").text)
    assert not {w for w in re.findall(r"[a-z]+_[a-z_]+", english)}, english


def test_a_danger_contact_closes_without_a_case_only_confirmed_and_with_a_reason(client) -> None:
    with UnitOfWork() as uow:
        contact, _ = open_contact(uow, channel="voice", external_id="CA-danger", caller="+84912345678", now=NOW,
                                  line="111")
        contact.state, contact.danger_now = "in_progress", True
        uow.commit()
        reference = contact.reference
    csrf = _session(client, "lan", "operator", line="111")
    form = client.get(f"/lien-he/{reference}").text
    assert "selected" not in re.search(r'<select id="outcome".*?</select>', form, flags=re.S).group(0)
    assert 'id="close-confirm"' in form and 'id="close-reason"' in form
    for data in ({"outcome": "silent"}, {"outcome": "silent", "confirm": "1"},
                 {"outcome": "silent", "reason": "máy tắt"}, {"outcome": "", "confirm": "1", "reason": "máy tắt"}):
        refused = client.post(f"/lien-he/{reference}/ket-thuc", data={"csrf_token": csrf, **data})
        assert refused.status_code == 422 and "<html" in refused.text.lower(), data
    with UnitOfWork() as uow:
        assert uow.session.execute(select(IntakeContact.state).where(IntakeContact.reference == reference)
                                   ).scalar_one() != "closed"
    done = client.post(f"/lien-he/{reference}/ket-thuc", follow_redirects=False, data={
        "csrf_token": csrf, "outcome": "silent", "confirm": "1", "reason": "Người gọi cúp máy, gọi lại không được"})
    assert done.status_code == 303
    with UnitOfWork() as uow:
        row = uow.session.execute(select(IntakeContact).where(IntakeContact.reference == reference)).scalar_one()
        assert row.state == "closed" and row.close_reason == "Người gọi cúp máy, gọi lại không được"
