"""Jasmin's HTTP API answers, receipts and MO messages, read into our vocabulary (no I/O)."""

from __future__ import annotations

import pytest

from notifier.jasmin_adapter import (
    from_jasmin_number,
    parse_inbound,
    parse_receipt,
    parse_send_answer,
    to_jasmin_number,
)
from notifier.ports import PermanentDeliveryError, RecipientFailure, TransientDeliveryError


def test_success_answer_gives_jasmins_message_id():
    sent = parse_send_answer(200, 'Success "07033084-5cfd-4812-90a4-e4d24ffb6e3d"\n')
    assert sent.provider_sid == "07033084-5cfd-4812-90a4-e4d24ffb6e3d"
    assert sent.status == "accepted"


def test_a_bad_request_is_not_worth_retrying_and_a_bad_number_is_the_numbers_fault():
    with pytest.raises(RecipientFailure):
        parse_send_answer(400, 'Error "Argument [to] has an invalid value: [abc]."')
    with pytest.raises(PermanentDeliveryError):
        parse_send_answer(400, 'Error "Argument [coding] has an invalid value"')


@pytest.mark.parametrize("status", [403, 412, 500, 503])
def test_credentials_routes_and_gateway_errors_are_the_providers_and_retried(status):
    with pytest.raises(TransientDeliveryError):
        parse_send_answer(status, 'Error "Cannot charge submit_sm"')


def test_a_200_without_success_is_not_taken_for_a_send():
    with pytest.raises(TransientDeliveryError):
        parse_send_answer(200, "<html>proxy</html>")


@pytest.mark.parametrize(("jasmin", "ours"), [
    ("ESME_ROK", "sent"), ("DELIVRD", "delivered"), ("UNDELIV", "undelivered"),
    ("EXPIRED", "undelivered"), ("REJECTD", "failed"), ("whatever", ""),
])
def test_receipt_states(jasmin, ours):
    receipt = parse_receipt(7, {"id": "abc", "level": "2", "message_status": jasmin})
    assert (receipt.outbox_id, receipt.status, receipt.provider_sid) == (7, ours, "abc")


def test_numbers_go_out_without_plus_and_come_back_in_e164():
    assert to_jasmin_number("+84912345678") == "84912345678"
    assert from_jasmin_number("84912345678") == "+84912345678"
    assert from_jasmin_number("0912345678") == "+84912345678"


def test_an_mo_message_typed_with_diacritics_is_read_from_its_ucs2_bytes():
    text = "Nhận 3"
    inbound = parse_inbound({"id": "m1", "from": "84912345678", "to": "8111", "coding": "8",
                             "content": "garbled", "binary": text.encode("utf-16-be").hex()})
    assert inbound.text == text
    assert inbound.from_phone == "+84912345678"
    assert inbound.provider == "jasmin" and inbound.external_id == "m1"


def test_a_plain_mo_message():
    inbound = parse_inbound({"id": "m2", "from": "84912345678", "to": "8111", "content": "NHAN 3",
                             "coding": "\x00", "binary": "4e48414e2033"})
    assert inbound.text == "NHAN 3"
