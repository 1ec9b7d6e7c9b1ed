"""`hotline tokens issue|revoke|list`: API bearer tokens with an expiry and a key id, revocable one by one."""

from __future__ import annotations

from typing import Annotated

import typer

from core.clock import local
from core.db import UnitOfWork
from core.errors import HotlineError
from intake.people import tokens

app = typer.Typer(help="Mã truy cập API. / API bearer tokens.", no_args_is_help=True)


def _fail(exc: HotlineError) -> typer.Exit:
    typer.echo(f"{exc.vi} / {exc.en}", err=True)
    return typer.Exit(1)


@app.command("issue")
def issue(
    user: Annotated[str, typer.Option(help="tên đăng nhập / user name")],
    expires: Annotated[str, typer.Option(help="thời hạn / lifetime: 30d, 12h, 90m")] = "30d",
    label: Annotated[str, typer.Option(help="ghi chú / what it is for")] = "",
) -> None:
    """Cấp mã (in ra một lần, chỉ lưu bản băm). / Issue a token (printed once; only its digest is kept)."""
    try:
        made = tokens.issue(UnitOfWork(), username=user, lifetime=tokens.parse_duration(expires), label=label)
    except HotlineError as exc:
        raise _fail(exc) from None
    typer.echo(made.token)
    typer.echo(f"id {made.token_id}, hết hạn / expires {local(made.expires_at):%Y-%m-%d %H:%M} (Asia/Ho_Chi_Minh)",
               err=True)


@app.command("revoke")
def revoke(token_id: Annotated[int, typer.Argument(help="số mã / the token's id (tokens list)")]) -> None:
    """Thu hồi một mã. / Revoke one token."""
    try:
        tokens.revoke(UnitOfWork(), token_id=token_id)
    except HotlineError as exc:
        raise _fail(exc) from None
    typer.echo(f"token {token_id}: revoked")


@app.command("list")
def list_(user: Annotated[str, typer.Option(help="chỉ của người này / only this user's")] = "") -> None:
    """Các mã đã cấp (không in mã). / Issued tokens (never the tokens themselves)."""
    for t in tokens.list_tokens(UnitOfWork(), username=user or None):
        state = "revoked" if t.revoked_at else "active"
        typer.echo(f"{t.token_id}\t{t.username}\tkid {t.key_id}\t{state}\texpires {local(t.expires_at):%Y-%m-%d %H:%M}"
                   f"\t{t.label}")
