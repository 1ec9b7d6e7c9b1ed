"""What a commune officer types on a basic phone."""

import pytest

from workflows.replies import parse_reply


@pytest.mark.parametrize(("body", "trigger", "reason"), [
    ("NHAN HLAMR46TN", "acknowledge", None),
    ("nhận hlamr46tn", "acknowledge", None),
    ("  Nhan  HL-AMR46TN ", "acknowledge", None),
    ("TUCHOI HLAMR46TN dang di cong tac", "decline", "dang di cong tac"),
    ("từ chối HLAMR46TN ốm", "decline", "om"),
])
def test_commands(body: str, trigger: str, reason: str | None) -> None:
    parsed = parse_reply(body)
    assert parsed is not None
    assert (parsed.trigger, parsed.reference, parsed.reason) == (trigger, "HLAMR46TN", reason)


@pytest.mark.parametrize("body", ["", "ok", "xin chao", "NHAN", "GIUP HLAMR46TN"])
def test_anything_else_gets_help(body: str) -> None:
    assert parse_reply(body) is None
