"""Staff sign-in in a real browser at 390 px, offline: sign in, a wrong password, lockout, sign out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.db import UnitOfWork
from core.settings import reset_settings
from intake.people import users
from tests.browser.conftest import fits_the_phone, shoot

PASSWORD = "mat-khau-du-dai-1"


def _sign_in(page, username: str, password: str) -> None:
    page.goto("/dang-nhap")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_an_operator_signs_in_sees_the_landing_page_and_signs_out(page) -> None:
    users.add_user(UnitOfWork(), username="lan", role="operator", password=PASSWORD, display_name="Trần Thị Lan")
    page.goto("/dang-nhap")
    assert page.locator("h1").inner_text() == "Đăng nhập cho cán bộ"
    assert fits_the_phone(page)
    shoot(page, "signin")
    _sign_in(page, "lan", PASSWORD)
    page.wait_for_url("**/ban-tiep-nhan")  # an operator lands on the desk; the account page is /
    page.goto("/")
    assert page.locator("#greeting").inner_text() == "Xin chào Trần Thị Lan"
    assert page.locator("#role").inner_text() == "Tư vấn viên tổng đài"
    assert page.locator("#scope").inner_text() == "Đường dây 111"
    assert "giờ Việt Nam" in page.content()
    assert fits_the_phone(page)
    shoot(page, "landing-operator")
    page.click("text=English")
    assert page.locator("#greeting").inner_text() == "Hello Trần Thị Lan"
    shoot(page, "landing-operator-en")
    page.click("#signout")
    page.wait_for_url("**/dang-nhap*")
    assert page.locator("h1").inner_text() == "Staff sign-in"
    page.goto("/")
    assert "/bao-cao" in page.url  # signed out: the public form
    shoot(page, "after-signout")


@pytest.fixture
def two_failures_lock() -> Iterator[None]:
    """Lock after two failures here; the count itself is tested in tests/integration/test_signin.py."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOTLINE_SIGNIN_MAX_FAILURES", "2")
        reset_settings()
        yield
    reset_settings()


def test_a_wrong_password_says_so_and_failures_lock_the_name(page, two_failures_lock) -> None:
    users.add_user(UnitOfWork(), username="lan", role="operator", password=PASSWORD)
    _sign_in(page, "lan", "sai-mat-khau")
    message = page.locator("#signin-message")
    assert message.inner_text() == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert page.input_value("#username") == "lan" and page.input_value("#password") == ""
    assert fits_the_phone(page)
    shoot(page, "signin-wrong-password")
    _sign_in(page, "lan", "sai-mat-khau")
    assert "Đăng nhập tạm bị khóa" in page.locator("#signin-message").inner_text()
    _sign_in(page, "lan", PASSWORD)  # locked: the right password does not help now
    assert "Đăng nhập tạm bị khóa" in page.locator("#signin-message").inner_text()
    shoot(page, "signin-locked")


def test_a_commune_chair_sees_their_commune_as_scope(page) -> None:
    users.add_user(UnitOfWork(), username="chu-tich", role="commune_chair", commune="19597",
                   password=PASSWORD, display_name="Hồ Văn Bình")
    _sign_in(page, "chu-tich", PASSWORD)
    page.wait_for_url("**/xa")  # a commune's people land on /xa; the account page is /
    page.goto("/")
    assert page.locator("#role").inner_text() == "Chủ tịch UBND xã"
    assert page.locator("#scope").inner_text() == "Xã Cam Lộ (mã 19597), Tỉnh Quảng Trị"
    shoot(page, "landing-commune-chair")
