"""What we answer an officer who answered us: by SMS (one segment, no diacritics), aloud, or on the page.

One table of outcomes, each in Vietnamese (with diacritics: spoken and shown) and English. The SMS
form is the Vietnamese folded to GSM-7 and kept to one segment. No identity ever appears: only
the case reference, the reply code and workflow words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from notifier.templates import SMS_LIMIT, ascii_fold

TEXTS: dict[str, tuple[str, str]] = {
    "acknowledged": ("Đã ghi nhận: bạn nhận ca {ref}. Cảm ơn.", "Recorded: you accepted case {ref}. Thank you."),
    "declined": ("Đã ghi nhận bạn từ chối ca {ref}. Ca được chuyển cho người tiếp theo.",
                 "Recorded: you declined case {ref}. It goes to the next person."),
    "decline_noted": ("Đã ghi nhận lý do từ chối ca {ref}. Người đang giữ ca vẫn xử lý ca này.",
                      "Recorded your reason against case {ref}. The person holding it keeps it."),
    "wrong_commune": ("Đã ghi nhận: ca {ref} không thuộc địa bàn xã. Tổng đài 111 sẽ chuyển lại.",
                      "Recorded: case {ref} is not in your commune. The 111 operators will re-route it."),
    "assessed": ("Đã ghi nhận xác minh ca {ref}: nguy cơ {risk}.", "Recorded: case {ref} verified, risk {risk}."),
    "emergency": ("Đã ghi nhận: ca {ref} đang can thiệp khẩn cấp.", "Recorded: emergency protection for case {ref}."),
    "reviewing": ("Đã ghi nhận: ca {ref} chuyển sang rà soát, đánh giá kết quả (Mẫu 06).",
                  "Recorded: case {ref} moves to review (form 06)."),
    "closure_requested": ("Đã gửi đề nghị đóng ca {ref}, chờ phê duyệt.",
                          "Closure of case {ref} requested; awaiting approval."),
    "repeat_acknowledged": ("Bạn đã nhận ca {ref} rồi.", "You have already accepted case {ref}."),
    "taken": ("Ca {ref} đã có người trong nhóm nhận rồi.", "Someone in your team has already accepted case {ref}."),
    "repeat": ("Đã ghi nhận rồi: ca {ref} {state}.", "Already recorded: case {ref} {state}."),
    "closed": ("Ca {ref} đã đóng. Cần mở lại, vui lòng gọi 111.", "Case {ref} is closed. To reopen it, call 111."),
    "not_now": ("Ca {ref} {state}, không thể {action}.", "Case {ref} {state}; cannot {action}."),
    "not_member": ("Số này không thuộc nhóm xử lý ca {ref}.", "This phone is not in the team handling case {ref}."),
    "no_case": ("Không tìm thấy ca {target} cho số này. Ghi mã ca, ví dụ: NHAN TE4KM7XQ9.",
                "No case {target} for this phone. Write the case reference, e.g. NHAN TE4KM7XQ9."),
    "need_reason": ("Vui lòng ghi lý do: TU CHOI {code}<lý do>.", "Please give a reason: TU CHOI {code}<reason>."),
    "need_risk": ("Vui lòng ghi mức nguy cơ: DA XAC MINH {code}CAO, TB hoặc THAP.",
                  "Please give the risk: DA XAC MINH {code}CAO, TB or THAP."),
    "need_measure": ("Vui lòng ghi biện pháp khẩn cấp đã làm: KHAN CAP {code}<biện pháp>, ví dụ: KHAN CAP {code}"
                     "dua tre den tram y te.",
                     "Please say the emergency measure taken: KHAN CAP {code}<measure>, e.g. KHAN CAP {code}"
                     "child taken to the health station."),
    "help": ("Trả lời 111: NHAN 3 (nhận ca), TU CHOI 3 <lý do>, SAI XA 3, DA XAC MINH 3 CAO/TB/THAP, KHAN CAP 3 "
             "<biện pháp>, XONG 3. Số 3 là mã trong tin nhắn.",
             "Reply: NHAN 3 (accept), TU CHOI 3 <reason>, SAI XA 3, DA XAC MINH 3 CAO/TB/THAP, KHAN CAP 3, "
             "XONG 3. 3 is the code in the SMS."),
    "unknown": ("Chưa hiểu tin nhắn. Nhắn ? để xem hướng dẫn.", "Message not understood. Send ? for help."),
    "expired": ("Liên kết đã hết hạn. Vui lòng trả lời bằng tin nhắn hoặc gọi 111.",
                "This link has expired. Please answer by SMS or call 111."),
    "used": ("Liên kết này đã được dùng cho thao tác này.", "This link has already been used for this action."),
}

# A case's state as a short phrase ("Ca TE... da duoc nhan").
STATE_TEXTS: dict[str, tuple[str, str]] = {
    "received": ("đang chờ chuyển", "is waiting to be sent"),
    "triaged": ("đang chờ chuyển", "is waiting to be sent"),
    "needs_routing": ("đang chờ 111 chuyển lại", "is waiting for 111 to re-route it"),
    "assigned": ("đang chờ nhận", "is waiting to be accepted"),
    "declined": ("đã bị từ chối", "was declined"),
    "acknowledged": ("đã được nhận", "has been accepted"),
    "assessed": ("đã xác minh", "has been verified"),
    "emergency_protection": ("đang can thiệp khẩn cấp", "is in emergency protection"),
    "separated": ("đang cách ly tạm thời", "is in temporary separation"),
    "detailed_assessment": ("đang đánh giá chi tiết", "is in detailed assessment"),
    "plan_drafted": ("đang chờ duyệt kế hoạch", "has a plan awaiting approval"),
    "intervening": ("đang thực hiện kế hoạch", "is being carried out"),
    "reviewing": ("đang rà soát", "is under review"),
    "closure_requested": ("đang chờ duyệt đóng ca", "is awaiting closure approval"),
    "closed": ("đã đóng", "is closed"),
}

ACTION_TEXTS: dict[str, tuple[str, str]] = {
    "acknowledge": ("nhận ca", "accept it"),
    "decline": ("từ chối", "decline it"),
    "wrong_commune": ("báo sai địa bàn", "report a wrong commune"),
    "assessed": ("báo xác minh", "report the verification"),
    "emergency": ("báo khẩn cấp", "report an emergency"),
    "done": ("báo xong", "report it done"),
}

RISK_TEXTS: dict[str, tuple[str, str]] = {
    "high": ("cao", "high"), "medium": ("trung bình", "medium"), "low": ("thấp", "low"),
}


@dataclass(frozen=True)
class Outcome:
    """What happened to an answer; `done` when it changed the case."""

    kind: str
    ref: str = ""
    done: bool = False
    params: dict[str, str] = field(default_factory=dict)

    def text(self, lang: str = "vi") -> str:
        vi, en = TEXTS[self.kind]
        values = {"ref": self.ref, "code": "", "target": "", "state": "", "action": "", "risk": ""}
        for key, value in self.params.items():
            values[key] = _pick(key, value, lang)
        return (en if lang == "en" else vi).format(**values)

    def sms(self) -> str:
        """One GSM-7 segment: folded Vietnamese, cut at a word if a text ever grew too long."""
        text = ascii_fold("111: " + self.text("vi"))
        if len(text) > SMS_LIMIT:
            text = text[: SMS_LIMIT - 3].rsplit(" ", 1)[0] + "..."
        return text


def _pick(key: str, value: str, lang: str) -> str:
    table = {"state": STATE_TEXTS, "action": ACTION_TEXTS, "risk": RISK_TEXTS}.get(key)
    if table is None or value not in table:
        return value
    vi, en = table[value]
    return en if lang == "en" else vi
