"""The sign-in and staff pages' texts: Vietnamese first, English second."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "signin_title": "Đăng nhập cho cán bộ",
        "signin_intro": "Dành cho tư vấn viên tổng đài 111 và cán bộ bảo vệ trẻ em. Người báo tin không cần đăng nhập.",
        "username": "Tên đăng nhập",
        "password": "Mật khẩu",
        "signin": "Đăng nhập",
        "wrong": "Tên đăng nhập hoặc mật khẩu không đúng.",
        "locked": "Đăng nhập tạm bị khóa vì nhập sai nhiều lần. Vui lòng thử lại sau {minutes} phút.",
        "expired_form": "Biểu mẫu đã hết hạn. Vui lòng nhập lại.",
        "report_link": "Báo cáo trẻ em cần được bảo vệ",
        "hello": "Xin chào",
        "role": "Vai trò",
        "scope": "Phạm vi",
        "line": "Đường dây",
        "province": "Tỉnh",
        "commune": "Xã",
        "code": "mã",
        "national": "Toàn quốc",
        "session_ends": "Phiên làm việc hết hạn lúc",
        "local_time": "giờ Việt Nam",
        "signed_in_at": "Đăng nhập lúc",
        "console_soon": "Màn hình làm việc đang được xây dựng. Hiện có thể dùng API:",
        "api_docs": "Tài liệu API",
        "signout": "Đăng xuất",
        "signed_out": "Bạn đã đăng xuất.",
        "other_language": "English",
    },
    "en": {
        "signin_title": "Staff sign-in",
        "signin_intro": "For 111 hotline operators and child-protection staff. Reporters do not need to sign in.",
        "username": "User name",
        "password": "Password",
        "signin": "Sign in",
        "wrong": "Wrong user name or password.",
        "locked": "Sign-in is locked for a while after too many failures. Try again in {minutes} minutes.",
        "expired_form": "The form expired. Please try again.",
        "report_link": "Report a child who needs protection",
        "hello": "Hello",
        "role": "Role",
        "scope": "Scope",
        "line": "Line",
        "province": "Province",
        "commune": "Commune",
        "code": "code",
        "national": "Nationwide",
        "session_ends": "Session ends at",
        "local_time": "Vietnam time",
        "signed_in_at": "Signed in at",
        "console_soon": "The work screens are being built. Meanwhile, the API:",
        "api_docs": "API documentation",
        "signout": "Sign out",
        "signed_out": "You are signed out.",
        "other_language": "Tiếng Việt",
    },
}


def people_texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS["vi"])
