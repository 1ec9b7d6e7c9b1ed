"""The answer page's words: Vietnamese first, English second (?lang=en)."""

from __future__ import annotations

PAGE: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Ca cần xử lý", "case": "Mã ca", "commune": "Xã / phường", "urgency": "Mức độ",
        "respond_by": "Xác nhận trước", "state": "Tình trạng", "accept": "Nhận ca",
        "decline": "Từ chối", "reason": "Lý do từ chối (bắt buộc)", "wrong_commune": "Không phải địa bàn của xã",
        "privacy": "Trang này không hiển thị thông tin của trẻ hay người báo tin. Chi tiết xem sau khi đăng nhập.",
        "closed_hint": "Ca không còn chờ nhận: không cần thao tác nữa.",
        "not_found": "Liên kết không hợp lệ hoặc không còn dùng được.",
        "expired": "Liên kết đã hết hạn. Vui lòng trả lời bằng tin nhắn hoặc gọi 111.",
        "stale_form": "Phiên làm việc đã hết. Vui lòng mở lại liên kết và thử lại.",
        "again": "Mở lại", "other_language": "English",
        "open_case": "Mở hồ sơ ca (cần đăng nhập bằng mã SMS)",
        "emergency": "KHẨN CẤP", "high": "CAO", "normal": "BÌNH THƯỜNG",
    },
    "en": {
        "title": "A case for your team", "case": "Case", "commune": "Commune", "urgency": "Urgency",
        "respond_by": "Confirm by", "state": "Status", "accept": "Accept",
        "decline": "Decline", "reason": "Reason for declining (required)", "wrong_commune": "Not our commune",
        "privacy": "This page shows nothing about the child or the reporter. Details after signing in.",
        "closed_hint": "The case is no longer waiting to be accepted: nothing more to do here.",
        "not_found": "This link is not valid or can no longer be used.",
        "expired": "This link has expired. Please answer by SMS or call 111.",
        "stale_form": "The form has expired. Please open the link again and retry.",
        "again": "Open again", "other_language": "Tiếng Việt",
        "open_case": "Open the case (sign in with an SMS code)",
        "emergency": "EMERGENCY", "high": "HIGH", "normal": "NORMAL",
    },
}
