"""Operators on duty and blocked callers, from the command line."""

from __future__ import annotations

from typer.testing import CliRunner

from intake.cli import app


def test_an_operator_is_added_put_on_duty_and_listed(db):
    runner = CliRunner()
    assert runner.invoke(app, ["operators", "add", "Lan", "0912 000 001"]).exit_code == 0
    assert runner.invoke(app, ["operators", "on", "Lan"]).exit_code == 0
    listed = runner.invoke(app, ["operators", "list"])
    assert "TRỰC" in listed.output and "+84912000001" in listed.output
    bad = runner.invoke(app, ["operators", "add", "X", "not a phone"])
    assert bad.exit_code == 1 and "không hợp lệ" in bad.output


def test_a_blocked_number_is_kept_only_as_its_keyed_hash(db):
    from sqlalchemy import select

    from core.db import unit_of_work
    from workflows.contacts.models import BlockedCaller

    runner = CliRunner()
    assert runner.invoke(app, ["callers", "block", "0987 654 321", "gọi quấy rối"]).exit_code == 0
    with unit_of_work() as uow:
        (row,) = uow.session.execute(select(BlockedCaller)).scalars()
    assert "987654321" not in row.caller_index
    assert "Đã bỏ chặn" in runner.invoke(app, ["callers", "unblock", "+84987654321"]).output
