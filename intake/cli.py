"""The `hotline` command."""

from __future__ import annotations

import typer

from core.logging import configure_logging
from intake.cli_route import route
from intake.cli_teams import app as teams_app

app = typer.Typer(
    help="hotline111: tiếp nhận và điều phối ca bảo vệ trẻ em / child-protection hotline intake.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(help="Đo hiệu năng / Benchmarks (results go into the README).", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@app.command()
def migrate() -> None:
    """Tạo hoặc cập nhật bảng trong cơ sở dữ liệu / Create or upgrade the database tables."""
    from intake.migrate import upgrade

    upgrade()
    typer.echo("migrated")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8111) -> None:
    """Chạy API và các trang web / Run the API, the report form and the webhooks."""
    import uvicorn

    from workflows.context import active_policy

    active_policy()  # refuse to start on a broken SLA policy, naming the line
    uvicorn.run("intake.app:create_app", factory=True, host=host, port=port)


@app.command()
def worker(burst: bool = typer.Option(False, help="Làm hết việc rồi dừng / drain the queue and exit")) -> None:
    """Chạy worker RQ (gửi tin, hẹn giờ) và bộ quét hạn / Run the RQ worker, its scheduler and the sweeper."""
    from core.settings import get_settings, require_real_secret
    from intake.runtime import run_worker
    from routing.locate import warm_up
    from workflows.context import active_policy

    configure_logging()
    require_real_secret(get_settings())
    active_policy()
    warm_up()
    run_worker(burst=burst)


@app.command()
def up(port: int = 8111, twilio_port: int = 8112) -> None:
    """Chạy thử toàn bộ hệ thống trên máy này / Run everything for a local demo (SQLite, embedded Redis)."""
    from intake.demo import run_demo

    run_demo(port=port, twilio_port=twilio_port)


@app.command()
def token(
    user: str = typer.Option(..., help="tên người dùng / user name"),
    role: str = typer.Option("operator", help="operator | supervisor | admin | commune_chair"),
    province: str = typer.Option("", help="mã tỉnh cho giám sát viên / a supervisor's province code"),
    commune: str = typer.Option("", help="mã xã cho chủ tịch UBND xã / a commune chair's commune code"),
) -> None:
    """Cấp mã truy cập API / Issue an API bearer token."""
    from intake.auth import issue_token

    typer.echo(issue_token(user, role, province or None, commune or None))


@bench_app.command("intake")
def bench_intake(requests: int = 2000, concurrency: int = 8) -> None:
    """Báo cáo/giây, p50/p99 của POST /api/v1/reports trên PostgreSQL / Reports per second and latency."""
    from intake.bench_intake import run_intake_bench

    run_intake_bench(requests=requests, concurrency=concurrency)


@bench_app.command("routing")
def bench_routing(corpus: str = typer.Option("", help="JSONL corpus; default: the test corpus")) -> None:
    """Độ chính xác top-1/top-3 và thời gian mỗi địa chỉ / Routing accuracy and time per text."""
    from pathlib import Path

    from routing.bench import format_report, run_routing_bench

    default = Path(__file__).resolve().parents[1] / "tests" / "routing" / "corpus.jsonl"
    typer.echo(format_report(run_routing_bench(corpus or default, show=False)))


@bench_app.command("timers")
def bench_timers(count: int = 100_000, spread_seconds: int = 180, workers: int = 2) -> None:
    """Độ trễ khi hẹn giờ kích hoạt, có và không có FLUSHALL / Timer lateness, with and without FLUSHALL."""
    from intake.bench_timers import run_timer_bench

    run_timer_bench(count=count, spread_seconds=spread_seconds, workers=workers)


app.add_typer(teams_app, name="teams")
app.command(name="route", help=route.__doc__)(route)


def main() -> None:
    app()
