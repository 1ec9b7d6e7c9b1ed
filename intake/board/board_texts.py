"""The supervisor board's texts: Vietnamese first, English second (laid over the console's)."""

from __future__ import annotations

from intake.console.texts import console_texts

VI: dict[str, str] = {
    "board": "Bảng giám sát", "board_hint": "Mọi mốc thời hạn của các ca đang mở: đã quá hạn, đến hạn trong "
    "1 giờ, đến hạn hôm nay.", "scope_national": "Toàn quốc", "scope_line": "Tổng đài {line}: mọi tỉnh",
    "scope_commune": "xã {code}",
    "breached": "Quá hạn", "hour": "Đến hạn trong 1 giờ", "today": "Đến hạn hôm nay", "later": "Đến hạn sau hôm nay",
    "filter": "Lọc và sắp xếp", "province": "Tỉnh (mã)", "commune_code": "Xã (mã)", "status_all": "Mọi mức",
    "clock_all": "Mọi mốc", "sort": "Sắp xếp theo", "sort_due": "Hạn", "sort_province": "Tỉnh",
    "sort_commune": "Xã", "sort_clock": "Mốc", "sort_urgency": "Mức khẩn cấp", "descending": "Giảm dần",
    "apply": "Xem", "clear_filters": "Bỏ lọc", "per_province": "Theo tỉnh", "per_commune": "Theo xã",
    "where": "Nơi", "rows": "Các mốc ({n})", "no_clock_rows": "Không có mốc nào quá hạn hay sắp đến hạn.",
    "due_t": "hạn {t}", "overdue_by": "quá {d}", "left": "còn {d}", "ladder_running": "đang leo thang, bậc {n}",
    "ladder_exhausted": "đã báo hết mọi bậc", "ladder_taken_over": "giám sát viên đã nhận xử lý",
    "not_fired": "sắp leo thang", "next_rung": "bậc sau lúc {t}", "held_by": "Giám sát viên {who} đang xử lý",
    "act": "Xử lý", "approvals": "Chờ phê duyệt", "waiting_plan": "Kế hoạch chờ Chủ tịch UBND xã phê duyệt",
    "waiting_closure": "Đề nghị đóng ca chờ phê duyệt", "since": "từ {t}",
    "delivery": "Sự cố gửi tin", "outage": "Nhà cung cấp SMS đang lỗi từ {t}: {n} lần liên tiếp",
    "outage_told": "đã báo trưởng ca", "no_outage": "Nhà cung cấp SMS đang hoạt động.",
    "bad_numbers": "Số điện thoại lỗi trong danh sách nhóm", "failed": "Tin nhắn, cuộc gọi không gửi được (7 ngày)",
    "reason_invalid_number": "số không hợp lệ", "reason_landline": "số cố định", "reason_opted_out": "đã từ chối nhận",
    "reason_unreachable": "không liên lạc được", "counts": "Ca đang mở ({n})", "by_state": "Theo trạng thái",
    "by_commune_open": "Theo xã", "by_category": "Theo loại vụ việc", "by_channel": "Theo kênh",
    "diagram": "Sơ đồ quy trình", "diagram_hint": "Các trạng thái của ca (số ca đang ở đó) và các bước đi tiếp, "
    "từ cùng một bảng mà hệ thống dùng.", "mermaid": "Mã Mermaid",
    "terminal": "kết thúc",
    "submissions": "Báo cáo thống kê định kỳ", "submissions_hint": "Các đơn vị trong phạm vi này đã nộp, chưa "
    "nộp báo cáo theo từng hạn; đánh dấu đã nộp ở trang", "statistics_page": "Thống kê",
    "action_page": "Xử lý ca {ref}", "back_board": "Về bảng giám sát", "clocks_of_case": "Các mốc của ca",
    "reassign": "Giao cho nhóm xã khác", "reassign_hint": "Ca được chuyển cho nhóm xã đã chọn; nhóm mới có "
    "thời hạn xác nhận riêng, các thời hạn luật định tính từ T0 vẫn chạy.", "choose_team": "Nhóm xã",
    "reassign_do": "Giao lại", "no_other_team": "Tỉnh này chưa có nhóm xã nào khác.",
    "take_over": "Nhận xử lý (giám sát viên giữ ca)", "take_over_hint": "Các thang leo thang đang chạy dừng "
    "lại; các thời hạn vẫn tính, một mốc quá hạn sau đó vẫn leo thang như thường.", "take_over_do": "Nhận xử lý",
    "escalate": "Báo bậc tiếp theo ngay", "escalate_hint": "Thang của mốc đã chọn đi bậc tiếp theo ngay (người "
    "tiếp theo trong nhóm, hoặc những người chính sách quy định) mà không chờ đến giờ.", "escalate_do": "Báo ngay",
    "reason_optional": "Ghi chú (không bắt buộc)", "done_reassign": "Đã giao ca {ref} cho nhóm xã mới.",
    "done_take_over": "Bạn đang giữ ca {ref}.", "done_escalate": "Đã báo bậc tiếp theo của ca {ref}.",
    "no_breached_clock": "Ca này không có mốc nào đang leo thang.", "live_board_off": "Mất kết nối trực tiếp; "
    "đang thử lại", "noscript_board": "Trình duyệt không chạy JavaScript: tải lại trang để xem thay đổi.",
    "updated": "Cập nhật lúc {t} (giờ Việt Nam)",
}

EN: dict[str, str] = {
    "board": "Supervisor board", "board_hint": "Every deadline of the open cases: breached, due within the hour, "
    "due today.", "scope_national": "Nationwide", "scope_line": "Line {line}: every province",
    "scope_commune": "commune {code}",
    "breached": "Breached", "hour": "Due within the hour", "today": "Due today", "later": "Due after today",
    "filter": "Filter and sort", "province": "Province (code)", "commune_code": "Commune (code)",
    "status_all": "Every status", "clock_all": "Every clock", "sort": "Sort by", "sort_due": "Deadline",
    "sort_province": "Province", "sort_commune": "Commune", "sort_clock": "Clock", "sort_urgency": "Urgency",
    "descending": "Descending", "apply": "Show", "clear_filters": "Clear", "per_province": "By province",
    "per_commune": "By commune", "where": "Where", "rows": "Clocks ({n})",
    "no_clock_rows": "No clock is breached or due soon.", "due_t": "due {t}", "overdue_by": "{d} overdue",
    "left": "in {d}", "ladder_running": "escalating, step {n}", "ladder_exhausted": "every step told",
    "ladder_taken_over": "a supervisor took it over", "not_fired": "escalation starting",
    "next_rung": "next step at {t}", "held_by": "Supervisor {who} holds it", "act": "Act",
    "approvals": "Waiting for approval", "waiting_plan": "Plans waiting for the commune chair",
    "waiting_closure": "Closure requests waiting for approval", "since": "since {t}",
    "delivery": "Delivery problems", "outage": "The SMS provider is failing since {t}: {n} failures in a row",
    "outage_told": "shift lead told", "no_outage": "The SMS provider works.",
    "bad_numbers": "Bad numbers in the team rosters", "failed": "Messages and calls that failed (7 days)",
    "reason_invalid_number": "invalid number", "reason_landline": "landline", "reason_opted_out": "opted out",
    "reason_unreachable": "unreachable", "counts": "Open cases ({n})", "by_state": "By state",
    "by_commune_open": "By commune", "by_category": "By category", "by_channel": "By channel",
    "diagram": "Workflow diagram", "diagram_hint": "The case's states (open cases in each) and the moves out of "
    "them, from the same table the system runs on.", "mermaid": "Mermaid source",
    "terminal": "finished",
    "submissions": "Periodic statistics reports", "submissions_hint": "Which units in this view have handed in "
    "their report for each deadline and which have not; they mark it on the page", "statistics_page": "Statistics",
    "action_page": "Act on case {ref}", "back_board": "Back to the board", "clocks_of_case": "The case's clocks",
    "reassign": "Reassign to another commune team", "reassign_hint": "The case goes to the chosen commune's "
    "team, with its own acknowledgement deadline; the legal clocks from T0 run on.", "choose_team": "Commune team",
    "reassign_do": "Reassign", "no_other_team": "This province has no other commune team yet.",
    "take_over": "Take over (the supervisor holds the case)", "take_over_hint": "The ladders escalating now "
    "stop; the deadlines keep counting, and a clock that breaches later escalates as usual.",
    "take_over_do": "Take over", "escalate": "Call the next contact now", "escalate_hint": "The chosen clock's "
    "ladder takes its next step now (the next contact in the team, or whoever the policy names) instead of "
    "waiting for its time.", "escalate_do": "Escalate now", "reason_optional": "Note (optional)",
    "done_reassign": "Case {ref} was reassigned.", "done_take_over": "You hold case {ref}.",
    "done_escalate": "The next step of case {ref} was taken.",
    "no_breached_clock": "No clock of this case is escalating.", "live_board_off": "Live updates lost; retrying",
    "noscript_board": "JavaScript is off: reload the page to see changes.", "updated": "Updated at {t} (Vietnam time)",
}

CLOCKS: dict[str, tuple[str, str]] = {
    "acknowledge": ("Xác nhận nhận ca", "Accept the case"),
    "assessment": ("Báo cáo đánh giá ban đầu", "Report the initial assessment"),
    "routing": ("Chọn xã xử lý", "Route the case to a commune"),
    "emergency_protection": ("Can thiệp khẩn cấp (12 giờ)", "Emergency protection (12 h)"),
    "separation_review": ("Đánh giá lại cách ly (ngày 15)", "Re-assess the separation (day 15)"),
    "plan_draft": ("Dự thảo kế hoạch hỗ trợ", "Draft the support plan"),
    "plan_approval": ("Phê duyệt kế hoạch", "Approve the plan"),
    "intake": ("Chuyển ca tới xã", "Forward the case to a commune"),
    "separation_decision": ("Quyết định tạm thời cách ly (12 giờ)", "Separation decision (12 h)"),
    "emergency_plan": ("Kế hoạch can thiệp khẩn cấp (12 giờ)", "Emergency plan (12 h)"),
    "plan_follow_up": ("Thực hiện kế hoạch", "Carry out the plan"),
    "review": ("Rà soát sau kế hoạch (Mẫu 06)", "Review after the plan (form 06)"),
    "closure_approval": ("Quyết định kết thúc ca", "Decide the closure"),
}

assert VI.keys() == EN.keys(), set(VI) ^ set(EN)


def board_texts(lang: str) -> dict[str, str]:
    """The console's texts (the shared layout uses them) with the board's laid over."""
    return {**console_texts(lang), **(EN if lang == "en" else VI)}


def clock_name(clock: str, lang: str) -> str:
    vi, en = CLOCKS.get(clock, (clock, clock))
    return en if lang == "en" else vi
