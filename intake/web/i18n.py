"""User-facing texts: Vietnamese by default, English second (?lang=en or Accept-Language)."""

from __future__ import annotations

from fastapi import Request

TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Báo cáo trẻ em cần được bảo vệ",
        "intro": "Thông tin của bạn được giữ bí mật. Nếu trẻ đang gặp nguy hiểm, hãy gọi ngay 111 (miễn phí).",
        "description": "Chuyện gì đã xảy ra? (bắt buộc)",
        "location": "Trẻ đang ở đâu? (địa chỉ cũ hay mới đều được: thôn, xã, huyện, tỉnh)",
        "child_home": "Trẻ sống ở đâu, nếu khác nơi trên (không bắt buộc)",
        "child_name": "Tên trẻ (nếu biết)",
        "child_age": "Tuổi của trẻ",
        "child_sex": "Giới tính của trẻ",
        "female": "Nữ", "male": "Nam", "unknown": "Không rõ",
        "immediate_danger": "Trẻ đang gặp nguy hiểm ngay lúc này",
        "reporter_name": "Tên của bạn (không bắt buộc)",
        "reporter_phone": "Số điện thoại của bạn (không bắt buộc)",
        "consent_to_contact": "Tôi đồng ý để cán bộ liên hệ lại với tôi",
        "submit": "Gửi báo cáo",
        "fix": "Vui lòng sửa các mục được đánh dấu.",
        "done_title": "Đã nhận báo cáo",
        "done_text": "Cảm ơn bạn. Mã số báo cáo của bạn là",
        "done_hint": "Hãy ghi lại mã này để hỏi thêm qua tổng đài 111.",
        "other_language": "English",
        "unavailable_title": "Hệ thống tạm thời gián đoạn",
        "unavailable_text": "Chúng tôi chưa lưu được báo cáo của bạn. Xin quay lại trang trước và gửi lại sau ít phút.",
        "unavailable_call": "Nếu trẻ đang gặp nguy hiểm, hãy gọi ngay 111 (miễn phí, 24/7).",
        "unavailable_staff": "Hệ thống chưa đọc hoặc lưu được dữ liệu, nên chưa có gì thay đổi. Xin thử lại sau ít "
                             "phút; cuộc gọi khẩn cấp vẫn được chuyển tới tư vấn viên đang trực.",
        "refused_title": "Chưa thực hiện được",
        "refused_text": "Thông tin gửi lên chưa đúng, nên chưa có gì thay đổi. Xin quay lại, sửa rồi gửi lại:",
        "refused_back": "Quay lại",
    },
    "en": {
        "title": "Report a child who needs protection",
        "intro": "What you tell us is kept confidential. If a child is in danger now, call 111 (free).",
        "description": "What happened? (required)",
        "location": "Where is the child? (old or new address: village, commune, district, province)",
        "child_home": "Where the child lives, if somewhere else (optional)",
        "child_name": "Child's name (if known)",
        "child_age": "Child's age",
        "child_sex": "Child's sex",
        "female": "Female", "male": "Male", "unknown": "Unknown",
        "immediate_danger": "The child is in danger right now",
        "reporter_name": "Your name (optional)",
        "reporter_phone": "Your phone (optional)",
        "consent_to_contact": "I agree to be contacted back",
        "submit": "Send the report",
        "fix": "Please correct the marked fields.",
        "done_title": "Report received",
        "done_text": "Thank you. Your reference is",
        "done_hint": "Keep this reference to ask about it on 111.",
        "other_language": "Tiếng Việt",
        "unavailable_title": "The service is briefly unavailable",
        "unavailable_text": "Your report could not be stored yet. Please go back and send it again in a few minutes.",
        "unavailable_call": "If a child is in danger now, call 111 (free, 24/7).",
        "unavailable_staff": "The data could not be read or stored, so nothing has changed. Please try again in a few "
                             "minutes; calls are still put through to the operators on duty.",
        "refused_title": "This could not be done",
        "refused_text": "Something sent was not right, so nothing has changed. Please go back, correct it and "
                        "send it again:",
        "refused_back": "Go back",
    },
}


def pick_language(request: Request) -> str:
    lang = request.query_params.get("lang")
    if lang in TEXTS:
        return lang
    accept = request.headers.get("accept-language", "")
    return "en" if accept.lower().startswith("en") else "vi"


def texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS["vi"])
