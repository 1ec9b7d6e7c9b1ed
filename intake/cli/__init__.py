"""The `hotline` command. The demo (`up`) and the benchmarks (`bench`) come from devtools/ when it is there."""

from __future__ import annotations

import importlib
import os

import typer

from core.logging import configure_logging
from intake.cli.backup import backup_command, restore_command
from intake.cli.keys import app as keys_app
from intake.cli.operators import callers as callers_app
from intake.cli.operators import operators as operators_app
from intake.cli.policy import app as policy_app
from intake.cli.route import route
from intake.cli.services import app as services_app
from intake.cli.teams import app as teams_app
from intake.cli.tokens import app as tokens_app
from intake.cli.users import app as users_app

app = typer.Typer(
    help="hotline111: tiếp nhận và điều phối ca bảo vệ trẻ em / child-protection hotline intake.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.command()
def migrate() -> None:
    """Tạo hoặc cập nhật bảng trong cơ sở dữ liệu / Create or upgrade the database tables."""
    from intake.cli.database import where
    from intake.cli.say import say
    from migrations.run import upgrade

    upgrade()
    say(f"Đã tạo hoặc cập nhật các bảng trong {where()}.", f"Tables created or upgraded in {where()}.")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8111,
    workers: int | None = typer.Option(None, min=1, help="Số tiến trình / worker processes (default: 2 on "
                                       "PostgreSQL, 1 on SQLite)"),
    access_log: bool = typer.Option(False, help="Ghi mỗi yêu cầu / a log line per request (the proxy's log "
                                    "usually has it)"),
) -> None:
    """Chạy API và các trang web / Run the API, the report form and the webhooks."""
    import uvicorn

    from core.settings import get_settings
    from workflows.clocks.context import active_policy

    active_policy()  # refuse to start on a broken SLA policy, naming the line
    metrics_dir(port)
    configure_logging()
    # JSON lines: uvicorn's own loggers go to our handler (with the request id) instead of its text format.
    log_config = uvicorn.config.LOGGING_CONFIG if get_settings().log_format == "text" else None
    uvicorn.run("intake.app:create_app", factory=True, host=host, port=port, log_config=log_config,
                workers=workers or default_workers(get_settings().database_url), access_log=access_log)


def metrics_dir(port: int) -> str:
    """prometheus_client's multiprocess mode: each process writes its request timings under this folder and
    /metrics sums them. Set before the processes start; emptied at each start (a dead process's files would
    count again)."""
    import tempfile
    from pathlib import Path

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(Path(tempfile.gettempdir()) / f"hotline-metrics-{port}")
    Path(folder).mkdir(parents=True, exist_ok=True)
    for stale in Path(folder).glob("*.db"):
        stale.unlink(missing_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    return folder


def default_workers(database_url: str) -> int:
    """Two processes where the database takes concurrent writers (a webhook's Python work then uses both
    cores of a small server); one on SQLite, which has one writer at a time anyway."""
    if database_url.startswith("sqlite"):
        return 1
    return min(2, os.cpu_count() or 1)


@app.command()
def worker(burst: bool = typer.Option(False, help="Làm hết việc rồi dừng / drain the queue and exit")) -> None:
    """Chạy worker RQ (gửi tin, hẹn giờ) và bộ quét hạn / Run the RQ worker, its scheduler and the sweeper."""
    from core.crypto import key_ring
    from core.settings import get_settings, require_real_secret
    from intake.runtime import run_worker
    from routing.locate import warm_up
    from workflows.clocks.context import active_policy

    configure_logging()
    require_real_secret(get_settings())
    key_ring()  # a malformed HOTLINE_DATA_KEYS stops the worker at start
    active_policy()
    warm_up()
    run_worker(burst=burst)


@app.command()
def token(
    user: str = typer.Option(..., help="tên người dùng / user name"),
    role: str = typer.Option("operator", help="operator | shift_lead | commune_* | province_supervisor | admin"),
    province: str = typer.Option("", help="mã tỉnh cho giám sát viên / a supervisor's province code"),
    commune: str = typer.Option("", help="mã xã cho cán bộ xã / a commune role's commune code"),
) -> None:
    """Cấp nhanh mã API, tạo người dùng nếu chưa có (chạy thử) / Quick token, making the user if missing (demo)."""
    from core.errors import HotlineError
    from intake.people.auth import issue_token

    try:
        typer.echo(issue_token(user, role, province or None, commune or None))
    except HotlineError as exc:
        typer.echo(f"{exc.vi} / {exc.en}", err=True)
        raise typer.Exit(1) from None


app.add_typer(teams_app, name="teams")
app.add_typer(services_app, name="services")
app.add_typer(operators_app, name="operators")
app.add_typer(callers_app, name="callers")
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(policy_app, name="policy")
app.command(name="route", help=route.__doc__)(route)
app.command(name="backup", help=backup_command.__doc__)(backup_command)
app.command(name="restore", help=restore_command.__doc__)(restore_command)


def _add_dev_commands() -> None:
    """`hotline up` and `hotline bench` live in devtools/, which a checkout has and a release does not."""
    try:
        dev = importlib.import_module("devtools.cli")
    except ModuleNotFoundError:
        return
    dev.register(app)


def main() -> None:
    _add_dev_commands()
    app()
