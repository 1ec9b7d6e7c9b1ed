"""`hotline operators ...` and `hotline callers ...`: who is rung for a line's calls, who may not call."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from core.clock import utcnow
from core.db import UnitOfWork
from core.errors import HotlineError
from workflows.contacts import duty

operators = typer.Typer(help="Tư vấn viên trực tổng đài. / Operators on duty.", no_args_is_help=True)
callers = typer.Typer(help="Số bị chặn (chỉ lưu mã băm). / Blocked callers (keyed hash only).",
                      no_args_is_help=True)
Line = Annotated[str, typer.Option("--line", help="Mã đường dây / line code")]


def _fail(exc: HotlineError) -> None:
    typer.echo(f"{exc.vi} / {exc.en}", err=True)
    raise typer.Exit(1)


@operators.command("add")
def add(
    name: str, address: str, line: Line = "111", order: int = 100,
    user: Annotated[str, typer.Option("--user", help="Tài khoản bàn tiếp nhận / the desk account")] = "",
) -> None:
    """Thêm tư vấn viên (số điện thoại hoặc sip:...). / Add an operator (phone or sip: address)."""
    try:
        row = duty.add_operator(UnitOfWork(), line=line, name=name, address=address, order=order, username=user)
    except HotlineError as exc:
        _fail(exc)
        return
    typer.echo(f"{row.name} ({row.address}) — đường dây {row.line}, chưa trực / not on duty yet")


@operators.command("on")
def on(name: str, line: Line = "111") -> None:
    """Bắt đầu ca trực. / Start a shift."""
    try:
        duty.set_on_duty(UnitOfWork(), line=line, name=name, on_duty=True)
    except HotlineError as exc:
        _fail(exc)
    typer.echo(f"{name}: đang trực / on duty")


@operators.command("off")
def off(name: str, line: Line = "111") -> None:
    """Kết thúc ca trực. / End a shift."""
    try:
        duty.set_on_duty(UnitOfWork(), line=line, name=name, on_duty=False)
    except HotlineError as exc:
        _fail(exc)
    typer.echo(f"{name}: nghỉ / off duty")


@operators.command("list")
def list_(line: Annotated[str, typer.Option("--line")] = "") -> None:
    """Danh sách tư vấn viên. / List operators."""
    for row in duty.list_operators(UnitOfWork(), line=line or None):
        typer.echo(f"{row.line:8} {row.ring_order:4} {'TRỰC' if row.on_duty else 'nghỉ':5} {row.name} ({row.address})")


@callers.command("block")
def block(phone: str, reason: str, days: Annotated[int, typer.Option(help="0 = mãi mãi / for ever")] = 30) -> None:
    """Chặn một số (quấy rối). / Block a number (abuse)."""
    try:
        duty.block_caller(UnitOfWork(), phone=phone, reason=reason, now=utcnow(),
                          until=utcnow() + timedelta(days=days) if days else None)
    except HotlineError as exc:
        _fail(exc)
    typer.echo("Đã chặn (chỉ lưu mã băm). / Blocked (keyed hash only).")


@callers.command("unblock")
def unblock(phone: str) -> None:
    """Bỏ chặn một số. / Unblock a number."""
    try:
        found = duty.unblock_caller(UnitOfWork(), phone=phone)
    except HotlineError as exc:
        _fail(exc)
        return
    typer.echo("Đã bỏ chặn. / Unblocked." if found else "Số này không bị chặn. / Not blocked.")
