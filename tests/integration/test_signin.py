"""Signing in at /dang-nhap: argon2 passwords, CSRF on every form, lockout, sessions that end."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from core.db import UnitOfWork, unit_of_work
from intake.people import users
from workflows.access.models import SignInAttempt, User, UserSession

PASSWORD = "mat-khau-du-dai-1"
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
LOCKED = "Đăng nhập tạm bị khóa"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def _sign_in(client, username: str, password: str, **extra: str):
    token = _csrf(client.get("/dang-nhap").text)
    return client.post("/dang-nhap", data={"username": username, "password": password, "csrf_token": token, **extra},
                       follow_redirects=False)


def _operator() -> None:
    users.add_user(UnitOfWork(), username="lan", role="operator", password=PASSWORD, display_name="Trần Lan")


def test_sign_in_lands_on_the_staff_page_and_sign_out_ends_the_session(client, frozen_clock) -> None:
    _operator()
    page = client.get("/dang-nhap")
    assert page.status_code == 200 and "Đăng nhập cho cán bộ" in page.text and "<script" not in page.text
    assert page.headers["cache-control"] == "no-store"
    done = _sign_in(client, "Lan", PASSWORD)  # user names are not case-sensitive
    assert done.status_code == 303 and done.headers["location"] == "/ban-tiep-nhan"  # the operator lands on the desk
    cookie = done.headers["set-cookie"]
    assert "hl_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    home = client.get("/")
    assert home.status_code == 200 and "Xin chào Trần Lan" in home.text
    assert "Tư vấn viên tổng đài" in home.text and "Đường dây 111" in home.text
    assert "09:00 05/01/2026" in home.text  # the frozen clock's 02:00 UTC, shown in Vietnam time
    assert "Hello Trần Lan" in client.get("/?lang=en").text
    with unit_of_work() as uow:
        stored = uow.session.execute(select(User.password_hash)).scalar_one()
        digest = uow.session.execute(select(UserSession.digest)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert client.cookies.get("hl_session") not in (None, digest)  # only a digest of the cookie is stored

    refused = client.post("/dang-xuat", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 400 and client.get("/", follow_redirects=False).status_code == 200
    cookie_value = client.cookies.get("hl_session")
    out = client.post("/dang-xuat", data={"csrf_token": _csrf(home.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/dang-nhap"
    client.cookies.set("hl_session", cookie_value)  # the old cookie, replayed, is worth nothing
    assert client.get("/", follow_redirects=False).headers["location"] == "/bao-cao"


def test_a_form_without_its_csrf_token_is_refused(client) -> None:
    _operator()
    client.get("/dang-nhap")
    forged = client.post("/dang-nhap", data={"username": "lan", "password": PASSWORD, "csrf_token": "x"},
                         follow_redirects=False)
    assert forged.status_code == 400 and "Biểu mẫu đã hết hạn" in forged.text
    assert "hl_session" not in client.cookies


def test_wrong_password_and_unknown_user_read_the_same(client) -> None:
    _operator()
    wrong = _sign_in(client, "lan", "not-the-password")
    nobody = _sign_in(client, "nobody-here", "not-the-password")
    assert wrong.status_code == nobody.status_code == 401
    assert WRONG in wrong.text and WRONG in nobody.text
    assert 'value="lan"' in wrong.text  # the name stays typed, the password does not
    assert "not-the-password" not in wrong.text


def test_five_failures_lock_the_name_for_fifteen_minutes_whether_or_not_it_exists(client, frozen_clock) -> None:
    _operator()
    for _ in range(4):
        assert _sign_in(client, "lan", "wrong-password").status_code == 401
    fifth = _sign_in(client, "lan", "wrong-password")
    assert fifth.status_code == 429 and LOCKED in fifth.text and "15 phút" in fifth.text
    assert _sign_in(client, "lan", PASSWORD).status_code == 429  # even the right password, while locked
    for _ in range(5):
        ghost = _sign_in(client, "ghost", "wrong-password")
    assert ghost.status_code == 429 and LOCKED in ghost.text  # a name that does not exist locks the same way
    frozen_clock.advance(timedelta(minutes=14))
    assert _sign_in(client, "lan", PASSWORD).status_code == 429
    frozen_clock.advance(timedelta(minutes=1, seconds=1))
    assert _sign_in(client, "lan", PASSWORD).status_code == 303
    with unit_of_work() as uow:  # tries while locked are neither checked nor counted
        assert len(uow.session.execute(select(SignInAttempt).where(SignInAttempt.username == "lan")).all()) == 6


def test_many_failures_from_one_address_lock_the_address(client, frozen_clock) -> None:
    _operator()
    for n in range(20):
        last = _sign_in(client, f"guess{n}", "wrong-password")
    assert last.status_code == 429
    assert _sign_in(client, "lan", PASSWORD).status_code == 429  # from that address, for a while


def test_sessions_expire_when_idle_and_at_their_absolute_end(client, frozen_clock) -> None:
    _operator()
    assert _sign_in(client, "lan", PASSWORD).status_code == 303
    frozen_clock.advance(timedelta(minutes=29))
    assert client.get("/", follow_redirects=False).status_code == 200  # in use: idle time starts again
    frozen_clock.advance(timedelta(minutes=30, seconds=1))
    assert client.get("/", follow_redirects=False).status_code == 307  # idle for over 30 minutes
    assert _sign_in(client, "lan", PASSWORD).status_code == 303
    for _ in range(25):  # busy all day (a request every 30 minutes): still ends 12 hours after sign-in
        frozen_clock.advance(timedelta(minutes=29, seconds=59))
        client.get("/")
    assert client.get("/", follow_redirects=False).status_code == 307


def test_an_administrator_ends_a_users_sessions_and_a_disabled_user_cannot_sign_in(client) -> None:
    _operator()
    assert _sign_in(client, "lan", PASSWORD).status_code == 303
    assert users.sign_out_everywhere(UnitOfWork(), username="lan") == 1
    assert client.get("/", follow_redirects=False).status_code == 307
    assert _sign_in(client, "lan", PASSWORD).status_code == 303
    users.disable_user(UnitOfWork(), username="lan")
    assert client.get("/", follow_redirects=False).status_code == 307
    assert _sign_in(client, "lan", PASSWORD).status_code == 401
    new = users.reset_password(UnitOfWork(), username="lan")
    assert _sign_in(client, "lan", new).status_code == 401  # still disabled


def test_the_pages_speak_english_on_request(client) -> None:
    page = client.get("/dang-nhap?lang=en")
    assert "Staff sign-in" in page.text and 'action="/dang-nhap?lang=en"' in page.text
    wrong = client.post("/dang-nhap?lang=en", data={"username": "x", "password": "y", "csrf_token": _csrf(page.text),
                                                     "lang": "en"})
    assert "Wrong user name or password." in wrong.text


def test_the_session_cookie_is_secure_behind_https(db, redis_conn, monkeypatch) -> None:
    from fastapi.testclient import TestClient

    from core.settings import reset_settings
    from intake.app import create_app

    monkeypatch.setenv("HOTLINE_PUBLIC_BASE_URL", "https://111.example.vn")
    reset_settings()
    try:
        _operator()
        with TestClient(create_app(), base_url="https://testserver") as secure:
            page = secure.get("/dang-nhap")
            assert "Secure" in page.headers["set-cookie"]
            done = _sign_in(secure, "lan", PASSWORD)
            assert done.status_code == 303 and "Secure" in done.headers["set-cookie"]
            assert "HttpOnly" in done.headers["set-cookie"]
    finally:
        monkeypatch.undo()
        reset_settings()
