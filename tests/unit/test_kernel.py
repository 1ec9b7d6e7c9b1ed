"""Kernel pieces: references, job ids, encryption, tokens, report validation."""

import pytest
from pydantic import ValidationError

from core.crypto import blind_index, decrypt, encrypt
from core.ids import REFERENCE_ALPHABET, job_id, new_reference, normalise_reference
from intake.api.problems import field_errors
from intake.api.report_input import ReportIn
from intake.people.auth import issue_token, may_see_case, read_token


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


def test_tokens_are_signed_and_access_fails_closed() -> None:
    token = issue_token("lan", "supervisor", "44")
    who = read_token(token)
    assert who is not None and (who.user, who.role, who.province) == ("lan", "supervisor", "44")
    assert read_token(token[:-1] + ("0" if token[-1] != "0" else "1")) is None
    assert read_token("garbage") is None
    assert may_see_case(who, province_code="44") and not may_see_case(who, province_code="01")
    assert not may_see_case(who, province_code=None)
    with pytest.raises(ValueError):
        issue_token("x", "root")
    with pytest.raises(ValueError):
        issue_token("x", "commune_chair")  # a chair's token names the commune
    chair = read_token(issue_token("hoa", "commune_chair", "44", "19597"))
    assert chair is not None and may_see_case(chair, province_code="44", commune_code="19597")
    assert not may_see_case(chair, province_code="44", commune_code="19612")


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
