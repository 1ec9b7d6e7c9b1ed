"""`hotline users add|list|disable|reset|sign-out`: people who sign in, with a role and a scope."""

from __future__ import annotations

from typing import Annotated

import typer

from core.db import UnitOfWork
from core.errors import HotlineError
from intake.people import users
from workflows.access.policy import ROLES

app = typer.Typer(help="Người dùng (cán bộ) và quyền. / Users, their roles and scopes.", no_args_is_help=True)
ROLE_HELP = " | ".join(sorted(ROLES))


def _fail(exc: HotlineError) -> typer.Exit:
    typer.echo(f"{exc.vi} / {exc.en}", err=True)
    return typer.Exit(1)


def _password(given_from_stdin: bool, *, prompt: str) -> str:
    if given_from_stdin:
        return typer.get_text_stream("stdin").readline().rstrip("\n")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="tên đăng nhập / user name (a-z 0-9 . _ -)")],
    role: Annotated[str, typer.Option(help=ROLE_HELP)],
    name: Annotated[str, typer.Option(help="họ và tên / display name")] = "",
    line: Annotated[str, typer.Option(help="đường dây (tư vấn viên, trưởng ca) / line, e.g. 111")] = "",
    province: Annotated[str, typer.Option(help="mã tỉnh (giám sát viên) / province code")] = "",
    commune: Annotated[str, typer.Option(help="mã xã 2025 (cán bộ xã) / commune code")] = "",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="đọc mật khẩu từ stdin")] = False,
    no_password: Annotated[bool, typer.Option("--no-password", help="chỉ dùng mã API / API tokens only")] = False,
) -> None:
    """Thêm người dùng (hỏi mật khẩu). / Add a user (asks for a password)."""
    password = None if no_password else _password(password_stdin, prompt="Mật khẩu / password")
    try:
        made = users.add_user(UnitOfWork(), username=username, role=role, password=password, display_name=name,
                              line=line or None, province=province or None, commune=commune or None)
    except HotlineError as exc:
        raise _fail(exc) from None
    except ValueError as exc:  # the password rule
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{made.username}\t{made.role}\t{_scope(made)}")


def _scope(user: users.UserView) -> str:
    return (f"commune {user.commune} (province {user.province})" if user.commune
            else f"province {user.province}" if user.province else f"line {user.line}" if user.line else "national")


@app.command("list")
def list_() -> None:
    """Danh sách người dùng. / List the users."""
    for user in users.list_users(UnitOfWork()):
        state = "disabled" if user.disabled else "active"
        typer.echo(f"{user.username}\t{user.role}\t{_scope(user)}\t{state}\t{user.display_name}")


@app.command("disable")
def disable(username: str) -> None:
    """Khóa người dùng: hết đăng nhập, kết thúc phiên, thu hồi mã API. / Disable: sessions end, tokens revoked."""
    try:
        users.disable_user(UnitOfWork(), username=username, by="cli")
    except HotlineError as exc:
        raise _fail(exc) from None
    typer.echo(f"{username}: disabled")


@app.command("reset")
def reset(
    username: str,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="đọc mật khẩu từ stdin")] = False,
    generate: Annotated[bool, typer.Option("--generate", help="tạo mật khẩu tạm / make one up and print it")] = False,
) -> None:
    """Đặt lại mật khẩu (các phiên đang mở kết thúc). / Reset a password (open sessions end)."""
    password = None if generate else _password(password_stdin, prompt="Mật khẩu mới / new password")
    try:
        new = users.reset_password(UnitOfWork(), username=username, password=password)
    except HotlineError as exc:
        raise _fail(exc) from None
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{username}: password reset" + (f"; temporary password: {new}" if generate else ""))


@app.command("sign-out")
def sign_out(username: str) -> None:
    """Kết thúc mọi phiên đăng nhập của người dùng. / End every session of a user."""
    try:
        ended = users.sign_out_everywhere(UnitOfWork(), username=username, by="cli")
    except HotlineError as exc:
        raise _fail(exc) from None
    typer.echo(f"{username}: {ended} session(s) ended")
