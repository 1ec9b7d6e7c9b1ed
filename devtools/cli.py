"""The developer commands of `hotline`: the demo and the benchmarks (registered when devtools/ is present)."""

from __future__ import annotations

from pathlib import Path

import typer

REPO = Path(__file__).resolve().parent.parent


def register(app: typer.Typer) -> None:
    app.command(name="up")(up)
    app.add_typer(bench_app, name="bench")


def up(port: int = 8111, twilio_port: int = 8112) -> None:
    """Chạy thử toàn bộ hệ thống trên máy này / Run everything for a local demo (SQLite, embedded Redis)."""
    from devtools.demo import run_demo

    run_demo(port=port, twilio_port=twilio_port)


bench_app = typer.Typer(help="Đo hiệu năng / Benchmarks (results go into the README).", no_args_is_help=True)


@bench_app.command("intake")
def bench_intake(seconds: int = 5, rounds: int = 3, connections: int = 16, threads: int = 2,
                 workers: int | None = typer.Option(None, min=1, help="Số tiến trình / app processes (default: "
                                                    "as `hotline serve`, 2 on PostgreSQL)")) -> None:
    """Báo cáo/giây, p50/p99 với wrk: ping, một dòng, báo cáo / Reports per second against a one-row insert (wrk)."""
    from devtools.bench_intake import run_intake_bench

    run_intake_bench(seconds=seconds, rounds=rounds, connections=connections, threads=threads, workers=workers)


@bench_app.command("routing")
def bench_routing(corpus: str = typer.Option("", help="JSONL corpus; default: the three test corpora")) -> None:
    """Chuyển đúng/sai/tư vấn viên, top-1 và thời gian mỗi văn bản / Routing decisions and time per text."""
    from devtools.bench_routing import format_report, run_routing_bench

    here = REPO / "tests" / "routing"
    defaults = [here / "corpus.jsonl", here / "call_notes.jsonl", here / "who_is_where.jsonl"]
    for path in [Path(corpus)] if corpus else defaults:
        typer.echo(f"== {path.name}")
        typer.echo(format_report(run_routing_bench(path, show=False)))


@bench_app.command("timers")
def bench_timers(count: int = 100_000, spread_seconds: int = 180, workers: int = 2) -> None:
    """Độ trễ khi hẹn giờ kích hoạt, có và không có FLUSHALL / Timer lateness, with and without FLUSHALL."""
    from devtools.bench_timers import run_timer_bench

    run_timer_bench(count=count, spread_seconds=spread_seconds, workers=workers)


@bench_app.command("board")
def bench_board(cases: int = 1_000_000) -> None:
    """Bảng giám sát và thống kê với N ca / The board's and the statistics' queries over N cases."""
    from devtools.bench_board import run_board_bench

    run_board_bench(cases=cases)


@bench_app.command("delivery")
def bench_delivery(rates: str = typer.Option("20,50,100", help="reports a second, comma-separated"),
                   seconds: int = 15, workers: int = 2) -> None:
    """Thời gian từ báo cáo đến tin nhắn của xã / From a web report's 201 to the officer's SMS at the provider."""
    from devtools.bench_delivery import run_delivery_bench

    run_delivery_bench(rates=tuple(int(r) for r in rates.split(",") if r.strip()), seconds=seconds, workers=workers)


@bench_app.command("webhooks")
def bench_webhooks(rate: int = 100, seconds: int = 15, rounds: int = 3, connections: int = 32,
                   workers: int | None = None) -> None:
    """p50/p99 của webhook thoại và tin nhắn khi tải / Voice and message webhook answer times under load (wrk)."""
    from devtools.bench_webhooks import run_webhook_bench

    run_webhook_bench(rate=rate, seconds=seconds, rounds=rounds, connections=connections, workers=workers)
