"""Kernel pieces: references, job ids, encryption, tokens, report validation."""

import pytest
from pydantic import ValidationError

from core.crypto import blind_index, decrypt, encrypt
from core.ids import REFERENCE_ALPHABET, job_id, new_reference, normalise_reference
from intake.api.problems import field_errors
from intake.api.report_input import ReportIn


def test_references_avoid_ambiguous_characters() -> None:
    refs = {new_reference() for _ in range(500)}
    assert len(refs) == 500
    assert all(set(r) <= set(REFERENCE_ALPHABET) for r in refs)
    assert not set("01IOLSZB28") & set(REFERENCE_ALPHABET)
    assert normalise_reference(" hl-amr 46tn") == "HLAMR46TN"


def test_job_ids_are_rq_safe_and_deterministic() -> None:
    assert job_id("timer", 7, "2026-01-01T00:00") == job_id("timer", 7, "2026-01-01T00:00")
    assert set(job_id("a b", "c/d:e")) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def test_encryption_round_trip_and_blind_index() -> None:
    token = encrypt("Nguyễn Văn An")
    assert "Nguy" not in token and decrypt(token) == "Nguyễn Văn An"
    assert encrypt("x") != encrypt("x")  # randomised
    assert blind_index("+84912345678") == blind_index("+84912345678") != blind_index("+84912345679")


def test_report_validation_messages_are_bilingual() -> None:
    ok = ReportIn.model_validate({"description": "  Trẻ bị đánh  ", "reporter_phone": "0912 345 678",
                                  "location": "  "})
    assert ok.description == "Trẻ bị đánh" and ok.reporter_phone == "+84912345678" and ok.location is None
    with pytest.raises(ValidationError) as bad:
        ReportIn.model_validate({"child_age": 40, "reporter_phone": "12345"})
    errors = {e["field"]: e for e in field_errors(bad.value.errors())}
    assert errors["description"]["message"] == "Bắt buộc phải có."
    assert errors["child_age"]["message_en"] == "Must be at most 17."
    assert errors["reporter_phone"]["message"].startswith("Số điện thoại không hợp lệ")


def test_the_way_back_from_an_error_page_never_leaves_the_site() -> None:
    from intake.api.problems import way_back

    here = "hotline.example"
    assert way_back("https://hotline.example/thong-ke?tu=2026-01-01", here) == "/thong-ke?tu=2026-01-01"
    for referer in ("https://hotline.example//evil.example/", "https://hotline.example/\\evil.example",
                    "https://hotline.example/\t/evil.example", "https://evil.example/thong-ke", "", "javascript:x",
                    "https://hotline.example/a\\b", "https://hotline.example/\r\n/evil.example"):
        assert way_back(referer, here) == "/", referer


def test_a_body_that_never_finishes_is_answered_408_not_kept_open(monkeypatch) -> None:
    import asyncio

    from core.settings import reset_settings
    from intake.api.input_guard import InputGuard

    monkeypatch.setenv("HOTLINE_BODY_TIMEOUT_SECONDS", "0.2")
    reset_settings()
    reached: list[bool] = []

    async def app(scope, receive, send) -> None:
        reached.append(True)

    async def receive():
        if not sent_first:
            sent_first.append(True)
            return {"type": "http.request", "body": b'{"description": "', "more_body": True}
        await asyncio.Event().wait()  # the rest never comes

    sent_first: list[bool] = []
    answers: list[dict] = []

    async def send(message) -> None:
        answers.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/reports", "headers": [], "query_string": b""}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # its own event loop, whatever another test left running here
        pool.submit(asyncio.run, asyncio.wait_for(InputGuard(app)(scope, receive, send), timeout=10)).result()
    reset_settings()
    assert reached == [] and answers[0]["status"] == 408
