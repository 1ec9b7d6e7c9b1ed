"""Bad input never gets a 500: every one of these was a 500 (or worse, accepted) before."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from core.db import unit_of_work
from core.settings import get_settings
from notifier.twilio_adapter import sign
from workflows.case.models import Case, CaseHistory, RawSubmission

GOOD = {"description": "Cháu bé bị bỏ đói nhiều ngày.", "location": "xã Cam Lộ, Quảng Trị"}


def _count(model) -> int:
    with unit_of_work() as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def _operator() -> dict[str, str]:
    from intake.people.auth import issue_token

    return {"authorization": f"Bearer {issue_token('op', 'operator')}"}


def _is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def _signed_post(client, path: str, params: dict[str, str]):
    url = get_settings().public_base_url + path
    return client.post(path, data=params, headers={"X-Twilio-Signature": sign(url, params)})


@pytest.fixture
def reference(client) -> str:
    return client.post("/api/v1/reports", json=GOOD).json()["reference"]


def _protected(reference: str) -> list[tuple[str, str, dict | None]]:
    return [("GET", f"/api/v1/cases/{reference}", None), ("GET", "/api/v1/cases", None),
            ("POST", f"/api/v1/cases/{reference}/transitions", {"trigger": "acknowledge"}),
            ("POST", f"/api/v1/cases/{reference}/route", {"commune_code": "19597", "reason": "gọi lại"})]


def test_a_non_ascii_bearer_token_is_a_401_everywhere(client, reference) -> None:
    for method, path, body in _protected(reference):
        response = client.request(method, path, json=body, headers={"authorization": b"Bearer x.\xff"})
        _is_problem(response, 401)


def test_a_signed_token_with_an_overlong_user_name_is_a_401_not_a_500(client, reference) -> None:
    from core.errors import InvalidInput
    from intake.people.auth import issue_token

    claims = base64.urlsafe_b64encode(f"{'u' * 65}|operator||".encode()).decode().rstrip("=")
    for token in (f"{claims}.{'0' * 40}", "hl1." + "u" * 300):  # an old-style long name; an oversize token
        for method, path, body in _protected(reference):
            _is_problem(client.request(method, path, json=body, headers={"authorization": f"Bearer {token}"}), 401)
    with pytest.raises(InvalidInput):
        issue_token("u" * 65, "operator")
    longest = {"authorization": f"Bearer {issue_token('u' * 64, 'operator')}"}
    assert client.get(f"/api/v1/cases/{reference}", headers=longest).status_code == 200


@pytest.mark.parametrize("key", ["actor", "via", "reason", "trigger", "now", "event_data", "actor_role", "uow",
                                 "case", "allowed", "facts", "reference"])
def test_facts_that_name_the_services_own_arguments_are_refused(client, reference, key) -> None:
    response = client.post(f"/api/v1/cases/{reference}/transitions", headers=_operator(),
                           json={"trigger": "acknowledge", "facts": {key: "x"}})
    body = _is_problem(response, 422)
    assert body["errors"][0]["field"] == f"facts.{key}"
    assert body["errors"][0]["message"] == "Mục này không được nhận."
    with unit_of_work() as uow:
        assert uow.session.execute(select(Case.state)).scalar_one() == "assigned"
        assert _count(CaseHistory) == 1  # only the assignment


def test_each_trigger_takes_only_its_own_facts(client, reference) -> None:
    from intake.people.auth import issue_token

    officer = {"authorization": f"Bearer {issue_token('xa-cl', 'commune_officer', '44', '19597')}"}

    def move(trigger: str, facts: object):
        return client.post(f"/api/v1/cases/{reference}/transitions", headers=officer,
                           json={"trigger": trigger, "facts": facts})

    assert move("acknowledge", {}).status_code == 200
    for bad in ([1], {"x": 1}, ["high"], 1, None, "HIGH", ""):
        errors = _is_problem(move("report_assessment", {"risk_level": bad}), 422)["errors"]
        assert errors[0]["field"] == "facts.risk_level"
    _is_problem(move("report_assessment", {}), 422)  # required
    _is_problem(move("report_assessment", {"risk_level": "high", "plan": "x"}), 422)  # another trigger's fact
    _is_problem(move("report_assessment", [1]), 422)
    _is_problem(move("no_such_trigger", {}), 422)
    assert move("report_assessment", {"risk_level": "high"}).json()["state"] == "assessed"


def test_the_service_takes_no_free_keywords() -> None:
    import inspect

    from workflows.casework.service import apply, transition

    for function in (apply, transition):
        kinds = {p.kind for p in inspect.signature(function).parameters.values()}
        assert inspect.Parameter.VAR_KEYWORD not in kinds


def test_nul_anywhere_is_a_422(client, reference) -> None:
    op = _operator()
    _is_problem(client.get(f"/api/v1/cases/{reference}%00", headers=op), 422)
    _is_problem(client.get("/api/v1/cases?state=needs%00routing", headers=op), 422)
    _is_problem(client.post(f"/api/v1/cases/{reference}/transitions", headers=op,
                            json={"trigger": "decline", "reason": "sai\u0000xã"}), 422)
    _is_problem(client.post("/api/v1/reports", json={**GOOD, "description": "Trẻ bị\u0000 đánh"}), 422)
    _is_problem(client.post("/api/v1/reports", json={**GOOD, "child_name": "\u0000"}), 422)
    form = client.post("/bao-cao", data={**GOOD, "child_name": "A\x00B"})  # the form again, the box marked
    assert form.status_code == 422 and 'id="child_name-error">Có ký tự ẩn không hợp lệ' in form.text
    sms = {"MessageSid": "SM" + "b" * 32, "From": "+84912345678", "To": "+84111000111", "Body": f"NHAN {reference}"}
    _is_problem(_signed_post(client, "/twilio/sms", {**sms, "Body": "NHAN\x00"}), 422)
    _is_problem(_signed_post(client, "/twilio/sms", {**sms, "MessageSid": "SM\x00"}), 422)
    with unit_of_work() as uow:
        assert uow.session.execute(select(Case.state)).scalar_one() == "assigned"
    assert _count(Case) == 1
    # A literal backslash followed by u0000 is text, not a NUL.
    assert client.post("/api/v1/reports", json={**GOOD, "description": "đường dẫn C:\\u0000"}).status_code == 201


def test_twilio_webhooks_refuse_what_does_not_fit(client, reference) -> None:
    status = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered"}
    _is_problem(_signed_post(client, "/twilio/status?outbox=99999999999", status), 422)
    _is_problem(_signed_post(client, "/twilio/status?outbox=1", {**status, "MessageSid": "SM" + "a" * 63}), 422)
    _is_problem(_signed_post(client, "/twilio/status?outbox=1", {**status, "MessageStatus": "x" * 200}), 422)
    sms = {"MessageSid": "SM" + "b" * 63, "From": "+84912345678", "Body": f"NHAN {reference}"}
    _is_problem(_signed_post(client, "/twilio/sms", sms), 422)
    _is_problem(_signed_post(client, "/twilio/sms", {**sms, "MessageSid": "SM1", "Body": "x" * 1601}), 422)
    with unit_of_work() as uow:
        assert uow.session.execute(select(Case.state)).scalar_one() == "assigned"


def test_a_signed_receipt_with_an_endless_error_code_is_a_422_not_a_500(client, reference) -> None:
    from notifier.models import OutboxMessage

    with unit_of_work() as uow:
        outbox_id = uow.session.execute(select(OutboxMessage.id)).scalars().first()
    status = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "undelivered", "ErrorCode": "9" * 5000}
    _is_problem(_signed_post(client, f"/twilio/status?outbox={outbox_id}", status), 422)
    _is_problem(_signed_post(client, f"/twilio/status?outbox={outbox_id}", {**status, "ErrorCode": "9" * 12}), 422)
    with unit_of_work() as uow:
        assert uow.session.get(OutboxMessage, outbox_id).status == "pending"  # nothing changed


def test_a_jasmin_receipt_beyond_the_outbox_column_is_a_422_not_a_500(client) -> None:
    from notifier.callbacks import receipt_signature

    for outbox_id in (2**31, 2**62):
        response = client.post(f"/jasmin/dlr?outbox={outbox_id}&sig={receipt_signature(outbox_id)}",
                               data={"id": "jas-1", "message_status": "DELIVRD"})
        _is_problem(response, 422)
    response = client.post(f"/jasmin/dlr?outbox=1&sig={receipt_signature(1)}",
                           data={"id": "j" * 65, "message_status": "DELIVRD"})
    _is_problem(response, 422)


def test_a_call_status_does_not_move_an_sms_row(client, reference) -> None:
    from notifier.models import OutboxMessage

    with unit_of_work() as uow:
        msg = uow.session.execute(select(OutboxMessage).where(OutboxMessage.channel == "sms")).scalars().first()
        msg.status, msg.provider_sid = "sent", "SM" + "c" * 32
        uow.commit()
        outbox_id = msg.id
    for status in ("completed", "no-answer", "ringing", "busy"):
        response = _signed_post(client, f"/twilio/status?outbox={outbox_id}",
                                {"CallSid": "SM" + "c" * 32, "CallStatus": status})
        assert response.status_code == 204
    with unit_of_work() as uow:
        assert uow.session.get(OutboxMessage, outbox_id).status == "sent"
        assert uow.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one() == 1  # no fall-over


def test_a_body_that_is_not_utf8_is_a_422(client) -> None:
    response = client.post("/api/v1/reports", content=b'{"description": "\xff\xfe"}',
                           headers={"content-type": "application/json"})
    _is_problem(response, 422)


def test_an_oversized_body_is_a_413(client) -> None:
    _is_problem(client.post("/api/v1/reports", json={**GOOD, "description": "x" * 300_000}), 413)


def test_unknown_address_and_method_are_problems_too(client) -> None:
    _is_problem(client.get("/api/v1/nothing"), 404)
    _is_problem(client.delete("/api/v1/reports"), 405)


def test_the_form_refuses_a_file_and_invisible_text(client) -> None:
    upload = client.post("/bao-cao", data={"location": "Cam Lộ"},
                         files={"description": ("note.txt", b"Chau be bi bo doi nhieu ngay", "text/plain")})
    assert upload.status_code == 422 and "Không nhận tệp đính kèm" in upload.text
    invisible = client.post("/bao-cao", data={"description": "\u200b" * 10, "location": "Cam Lộ"})
    assert invisible.status_code == 422 and "Bắt buộc phải có" in invisible.text
    errors = _is_problem(client.post("/api/v1/reports", json={**GOOD, "description": "\u200b\u200c\ufeff\u2060 "}),
                         422)["errors"]
    assert errors == [{"field": "description", "message": "Bắt buộc phải có.", "message_en": "This field is required."}]
    assert _count(Case) == _count(RawSubmission) == 0


@pytest.mark.parametrize("age", [True, False, "true", 18, -1, 3.5, [3]])
def test_child_age_must_be_an_age(client, age) -> None:
    errors = _is_problem(client.post("/api/v1/reports", json={**GOOD, "child_age": age}), 422)["errors"]
    assert errors[0]["field"] == "child_age"
    assert _count(Case) == 0


@pytest.mark.parametrize(("field", "value"), [
    ("consent_to_contact", 0), ("consent_to_contact", 1), ("consent_to_contact", "true"),
    ("immediate_danger", "yes"), ("immediate_danger", "1"), ("child_age", "7"), ("child_age", 7.0),
    ("reporter_phone", "０９１２３４５６７８"), ("reporter_phone", "٠٩١٢٣٤٥٦٧٨"), ("reporter_phone", "0912-FLOWER"),
])
def test_the_api_is_strict_about_yes_no_numbers_and_digits(client, field, value) -> None:
    errors = _is_problem(client.post("/api/v1/reports", json={**GOOD, field: value}), 422)["errors"]
    assert [e["field"] for e in errors] == [field]
    assert _count(Case) == _count(RawSubmission) == 0


def test_the_form_still_takes_its_own_text_boxes(client) -> None:
    page = client.post("/bao-cao", data={**GOOD, "child_age": " 7 ", "immediate_danger": "on",
                                         "reporter_phone": "(091) 234-5678", "consent_to_contact": "on"})
    assert page.status_code == 201, page.text
    typo = client.post("/bao-cao", data={**GOOD, "child_age": "７"})
    assert typo.status_code == 422 and _count(Case) == 1


def test_vietnamese_messages_are_plain_vietnamese(client) -> None:
    errors = _is_problem(client.post("/api/v1/reports", json={**GOOD, "child_sex": "boy", "category": "x",
                                                             "child_age": True}), 422)["errors"]
    by_field = {e["field"]: e for e in errors}
    assert by_field["child_sex"]["message"] == "Chỉ nhận: nữ (female), nam (male) hoặc không rõ (unknown)."
    assert by_field["child_sex"]["message_en"] == "Must be one of: 'female', 'male' or 'unknown'."
    assert by_field["category"]["message"].startswith("Chỉ nhận: bạo lực (violence), bóc lột (exploitation)")
    assert by_field["child_age"]["message"] == "Phải là số tuổi (một số nguyên từ 0 đến 17)."
    for error in errors:  # outside the bracketed codes, no English word
        outside = error["message"].split("(")[0]
        assert not {"or", "must", "input", "should", "valid"} & set(outside.lower().replace(",", " ").split())


@pytest.fixture
def database_down(pg_url: str):
    import os

    from core.db import reset_engine
    from core.settings import reset_settings

    os.environ["HOTLINE_DATABASE_URL"] = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
    reset_settings()
    reset_engine()
    yield
    os.environ["HOTLINE_DATABASE_URL"] = pg_url
    reset_settings()
    reset_engine()


@pytest.fixture
def pool_taken(client, monkeypatch):
    """A pool of one connection, held by someone else: every request waits for it, then gives up."""
    import core.db as core_db

    monkeypatch.setattr(core_db, "POOL", core_db.PoolSize(size=1, overflow=0, timeout=0.2))
    core_db.reset_engine()
    held = core_db.get_engine().connect()
    held.exec_driver_sql("SELECT 1")
    yield
    held.close()
    monkeypatch.undo()
    core_db.reset_engine()


def test_a_full_connection_pool_is_a_503_problem_not_a_500(pool_taken, client) -> None:
    body = _is_problem(client.post("/api/v1/reports", json=GOOD), 503)
    assert "111" in body["detail"]
    page = client.post("/bao-cao", data=GOOD)
    assert page.status_code == 503 and page.headers["retry-after"] and "Traceback" not in page.text


@pytest.fixture
def operator(client) -> dict[str, str]:
    return _operator()  # made while the database still answers


def test_database_down_is_a_503_problem_and_a_readable_page(client, operator, database_down) -> None:
    body = _is_problem(client.post("/api/v1/reports", json=GOOD), 503)
    assert "111" in body["detail"] and client.post("/api/v1/reports", json=GOOD).headers["retry-after"]
    _is_problem(client.get("/api/v1/cases", headers=operator), 503)
    page = client.post("/bao-cao", data=GOOD)
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert "Hệ thống tạm thời gián đoạn" in page.text and "gọi ngay 111" in page.text
    assert "Traceback" not in page.text


def test_database_down_on_a_staff_page_is_a_page_not_json(client, operator, database_down) -> None:
    shown = []
    for path in ("/ban-tiep-nhan", "/bang-giam-sat", "/thong-ke", "/xa"):
        page = client.get(path, cookies={"hl_session": "x" * 40}, follow_redirects=False)
        if page.status_code in (302, 303, 307):  # a sign-in redirect needs no database: nothing to show
            continue
        shown.append(path)
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html"), (path, page.text)
        assert "chưa có gì thay đổi" in page.text and "Traceback" not in page.text
    assert len(shown) >= 3, shown
