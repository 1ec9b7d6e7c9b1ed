"""What a commune officer types on a basic phone, read forgivingly (pure)."""

import pytest

from workflows.field.command_text import Command, parse_command


@pytest.mark.parametrize("body", [
    "NHAN 3", "nhận 3", " Nhan   3 ", "NHẬN 3", "nhan 3.", "NHAN3", "Nhận ca 3", "ok 3", "accept 3", "NHAN 03",
])
def test_accept_with_the_reply_code(body: str) -> None:
    assert parse_command(body) == Command("acknowledge", code=3)


@pytest.mark.parametrize("body", ["NHAN", "nhận", "  nhan  ", "Nhận.", "OK", "nhan ca"])
def test_bare_accept_means_the_last_case_sent(body: str) -> None:
    assert parse_command(body) == Command("acknowledge")


@pytest.mark.parametrize(("body", "reference"), [
    ("NHAN TE4KM7XQ9", "TE4KM7XQ9"), ("nhận te4km7xq9", "TE4KM7XQ9"), ("Nhan TE-4KM7XQ9 ", "TE4KM7XQ9"),
    ("NHAN TECKWWDPJ", "TECKWWDPJ"), ("nhan HL-AMR46TN", "HLAMR46TN"),
])
def test_accept_with_the_full_reference(body: str, reference: str) -> None:
    assert parse_command(body) == Command("acknowledge", reference=reference)


@pytest.mark.parametrize(("body", "code", "reference", "reason"), [
    ("TU CHOI 3 dang di cong tac", 3, None, "dang di cong tac"),
    ("từ chối 3 đang ốm", 3, None, "đang ốm"),
    ("TUCHOI 12 ban hop", 12, None, "ban hop"),
    ("tu choi   bận họp cả ngày ", None, None, "bận họp cả ngày"),
    ("Từ Chối TECKWWDPJ ốm", None, "TECKWWDPJ", "ốm"),
    ("tu choi di hop 2 ngay", None, None, "di hop 2 ngay"),  # a number inside the reason is not a code
    ("TU CHOI 3", 3, None, None),
    ("tu choi", None, None, None),
    ("KHONG NHAN 2 dang nghi phep", 2, None, "dang nghi phep"),
])
def test_decline_keeps_the_reason_as_typed(body: str, code: int | None, reference: str | None,
                                           reason: str | None) -> None:
    assert parse_command(body) == Command("decline", code=code, reference=reference, reason=reason)


@pytest.mark.parametrize(("body", "code", "risk"), [
    ("DA XAC MINH 3 CAO", 3, "high"), ("đã xác minh 3 cao", 3, "high"), ("da xac minh cao 3", 3, "high"),
    ("DA XAC MINH TB", None, "medium"), ("đã xác minh 2 trung bình", 2, "medium"),
    ("DA XAC MINH 4 THAP", 4, "low"), ("đã xác minh thấp", None, "low"), ("DA XAC MINH 5", 5, None),
])
def test_verified_with_the_risk_level(body: str, code: int | None, risk: str | None) -> None:
    assert parse_command(body) == Command("assessed", code=code, risk_level=risk)


@pytest.mark.parametrize(("body", "kind", "code"), [
    ("SAI XA", "wrong_commune", None), ("sai xã 4", "wrong_commune", 4), ("Sai Xa 4", "wrong_commune", 4),
    ("SAIXA12", "wrong_commune", 12), ("không phải địa bàn 2", "wrong_commune", 2),
    ("KHAN CAP", "emergency", None), ("khẩn cấp 7", "emergency", 7),
    ("XONG", "done", None), ("xong 3", "done", 3), ("Hoàn thành 3", "done", 3),
    ("HUONG DAN", "help", None), ("hướng dẫn", "help", None), ("?", "help", None), (" ? ", "help", None),
])
def test_other_commands(body: str, kind: str, code: int | None) -> None:
    assert parse_command(body) == Command(kind, code=code)


@pytest.mark.parametrize("body", ["", "   ", "xin chao", "GIUP3X", "cam on", "3", "TE4KM7XQ9", "nhanh len"])
def test_anything_else_is_unknown(body: str) -> None:
    assert parse_command(body).kind == "unknown"


@pytest.mark.parametrize(("body", "code", "measure"), [
    ("KHAN CAP 3 đưa trẻ đến trạm y tế", 3, "đưa trẻ đến trạm y tế"),
    ("khẩn cấp 12 Công an xã đã ngăn chặn", 12, "Công an xã đã ngăn chặn"),
    ("KHAN CAP tre o nha ba noi", None, "tre o nha ba noi"),
    ("KHANCAP3 cach ly khoi nguoi bao hanh", 3, "cach ly khoi nguoi bao hanh"),
])
def test_emergency_carries_the_measure_taken(body: str, code: int | None, measure: str) -> None:
    # NĐ 56/2017 Art. 31: the measure is recorded with the emergency; what follows the code is it
    assert parse_command(body) == Command("emergency", code=code, measure=measure)
