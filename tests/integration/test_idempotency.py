"""An Idempotency-Key answers only the same request: a retry gets the first answer, another body a 422."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from core.db import unit_of_work
from workflows.case.models import Case, RawSubmission

GOOD = {"description": "Cháu bé bị bỏ đói nhiều ngày.", "location": "xã Cam Lộ, Quảng Trị"}


def _count(model) -> int:
    with unit_of_work() as uow:
        return int(uow.session.execute(select(func.count()).select_from(model)).scalar_one())


def _all_at_once(client, bodies: list[dict], key: str) -> list:
    answers: list = []
    start = threading.Barrier(len(bodies))

    def send(body: dict) -> None:
        start.wait()
        answers.append(client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": key}))

    threads = [threading.Thread(target=send, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return answers


def test_a_different_report_under_a_used_key_is_refused_and_says_why(client) -> None:
    first = client.post("/api/v1/reports", json=GOOD, headers={"Idempotency-Key": "partner-42"})
    assert first.status_code == 201
    retry = client.post("/api/v1/reports", json=dict(reversed(GOOD.items())), headers={"Idempotency-Key": "partner-42"})
    assert retry.status_code == 200 and retry.json() == first.json()  # key order does not make it another request
    other = client.post("/api/v1/reports", json={**GOOD, "description": "Một trẻ khác bị đánh."},
                        headers={"Idempotency-Key": "partner-42"})
    assert other.status_code == 422 and other.headers["content-type"].startswith("application/problem+json")
    problem = other.json()
    assert first.json()["reference"] not in other.text
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    assert "báo cáo khác" in problem["errors"][0]["message"] and "different" in problem["errors"][0]["message_en"]
    assert _count(Case) == 1


def test_twenty_reporters_sharing_a_key_are_never_told_someone_elses_reference(client) -> None:
    bodies = [{**GOOD, "description": f"Báo cáo số {i}: trẻ bị bỏ đói."} for i in range(20)]
    answers = _all_at_once(client, bodies, key="shared-key")
    assert sorted(a.status_code for a in answers) == [201] + [422] * 19
    assert _count(Case) == 1


def test_the_same_report_sent_twice_at_once_is_one_case(client) -> None:
    answers = _all_at_once(client, [GOOD] * 4, key="retry-7")
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.json()["reference"] for a in answers}) == 1 and _count(Case) == 1


def test_keys_are_stored_hashed(client) -> None:
    key = "partner-case-2027-0042"
    client.post("/api/v1/reports", json=GOOD, headers={"Idempotency-Key": key})
    with unit_of_work() as uow:
        row = uow.session.execute(select(RawSubmission)).scalar_one()
        stored = uow.session.connection().exec_driver_sql("SELECT * FROM raw_submissions").one()
    assert row.external_id != key and len(row.external_id or "") == 64 and row.request_hash
    assert not any(key in str(value) for value in stored)
