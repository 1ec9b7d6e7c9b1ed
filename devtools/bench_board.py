"""`hotline bench board`: the board's and the statistics' queries over years of cases.

Loads N cases (default 1,000,000, spread evenly over ten years, 3,321 communes in 34 provinces) with
their tickets, history (assign, acknowledge, report_assessment; most closed with approve_closure; 5 %
with an sla_breached and its two ladders) and two deadline timers each into a throwaway PostgreSQL
database, server-side in batches (INSERT ... SELECT generate_series), then times:

- the supervisor board, with the product's own queries (workflows.supervision.board and board_view): one
  whole render's reads for a line supervisor (every province) and for one province, and its two main
  queries alone (the clock list, the summary by place); p95 over repeated runs;
- the statistics: `workflows.supervision.statistics.statistics()` for the last full year, nationally and for one
  province (what /thong-ke, the CSV and the XLSX run).

Encrypted columns get real ciphertexts (a few distinct ones, reused), so reading ages decrypts for real;
each case's age band is loaded in clear beside its age, as the application writes it. The bench also checks
that the year's bands counted in SQL equal the bands of the decrypted ages (what the statistics did before
the band was stored), and times that old way for comparison.
"""

from __future__ import annotations

import statistics as stats
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import select, text

from core.crypto import encrypt
from core.db import get_engine, unit_of_work, without_parallel_workers
from devtools.bench_env import bench_environment
from workflows.case.age_bands import age_band
from workflows.case.models import Case
from workflows.supervision.board import BoardScope, board_rows, board_summary
from workflows.supervision.board_view import board_view
from workflows.supervision.statistics import Period, Scope, statistics

START = datetime(2016, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 10 * 365 * 86400
NOW = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 100_000

TICKETS = """
INSERT INTO tickets (id, reference, channel, received_at, created_at)
SELECT i, 'TK' || lpad(i::text, 9, '0'), (CAST(:channels AS text[]))[1 + (i / 50) % 5],
       CAST(:start AS timestamptz) + make_interval(secs => i * CAST(:step AS float8)),
       CAST(:start AS timestamptz) + make_interval(secs => i * CAST(:step AS float8))
FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) AS i"""
CASES = """
INSERT INTO cases (id, reference, ticket_id, channel, state, urgency, category, risk_level, immediate_danger,
                   received_at, line, description, child_age, child_age_band, child_sex, consent_to_contact,
                   province_code, commune_code, commune_name, assignee_order, created_at, updated_at)
SELECT i, 'TE' || lpad(i::text, 9, '0'), i, (CAST(:channels AS text[]))[1 + (i / 50) % 5],
       CASE WHEN i % 50 = 0 THEN 'acknowledged' ELSE 'closed' END,
       (ARRAY['emergency','high','normal'])[1 + i % 3],
       (ARRAY['violence','sexual_abuse','neglect','exploitation','trafficking','other'])[1 + i % 6],
       (ARRAY['high','medium','low'])[1 + i % 3], false,
       CAST(:start AS timestamptz) + make_interval(secs => i * CAST(:step AS float8)),
       '111', :description,
       (CAST(:ages AS text[]))[1 + i % 18], (CAST(:bands AS text[]))[1 + i % 18],
       (ARRAY['female','male','unknown'])[1 + i % 3], false,
       lpad((1 + (i % 3321) % 34)::text, 2, '0'), lpad((i % 3321)::text, 5, '0'), 'Xa', 0,
       CAST(:start AS timestamptz) + make_interval(secs => i * CAST(:step AS float8)),
       CAST(:start AS timestamptz) + make_interval(secs => i * CAST(:step AS float8))
FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) AS i"""
HISTORY = """
INSERT INTO case_history (case_id, at, actor, via, event)
SELECT c.id, c.received_at + make_interval(secs => e.after * (1 + c.id % 7)), 'bench', 'system', e.event
FROM cases c
CROSS JOIN (VALUES ('assign', 60), ('acknowledge', 1800), ('report_assessment', 20000),
                   ('approve_closure', 900000)) AS e(event, after)
WHERE c.id BETWEEN :lo AND :hi AND (e.event <> 'approve_closure' OR c.state = 'closed')"""
BREACHES = """
INSERT INTO case_history (case_id, at, actor, via, event, reason)
SELECT c.id, c.received_at + interval '4 hours', 'system', 'system', 'sla_breached', :reason
FROM cases c WHERE c.id BETWEEN :lo AND :hi AND c.id % 20 = 0"""
TIMERS = """
INSERT INTO timers (case_id, clock, kind, armed_in_state, due_at, fired_at, cancelled_at, created_at)
SELECT c.id, t.clock, 'deadline', 'assigned', c.received_at + t.after,
       CASE WHEN c.id % 20 = 0 THEN c.received_at + t.after END,
       CASE WHEN c.state = 'closed' AND c.id % 20 <> 0 THEN c.received_at + interval '30 minutes' END,
       c.received_at
FROM cases c
CROSS JOIN (VALUES ('acknowledge', interval '4 hours'), ('assessment', interval '24 hours')) AS t(clock, after)
WHERE c.id BETWEEN :lo AND :hi"""

# The breached cases' ladders: satisfied once closed; of the open ones, acknowledgement still climbing
# and the assessment's ladder exhausted (both unsatisfied: the board lists them as breached).
LADDERS = """
INSERT INTO ladders (case_id, clock, deadline_at, step, loop, next_at, policy_version, started_at, stopped_at,
                     stop_reason, told)
SELECT c.id, t.clock, c.received_at + t.after, 1, 0,
       CASE WHEN c.state <> 'closed' AND t.clock = 'acknowledge' THEN c.received_at + t.after + interval '1 hour' END,
       'bench', c.received_at + t.after,
       CASE WHEN c.state = 'closed' OR t.clock = 'assessment' THEN c.received_at + t.after + interval '1 hour' END,
       CASE WHEN c.state = 'closed' THEN 'satisfied:closed' WHEN t.clock = 'assessment' THEN 'exhausted' END,
       '[]'
FROM cases c
CROSS JOIN (VALUES ('acknowledge', interval '4 hours'), ('assessment', interval '24 hours')) AS t(clock, after)
WHERE c.id BETWEEN :lo AND :hi AND c.id % 20 = 0"""


def load(n: int, *, echo: Callable[[str], None] = print) -> float:
    """Load n cases with their history and timers; returns the seconds it took."""
    began = time.perf_counter()
    params = {"start": START, "step": SPAN_SECONDS / n, "description": encrypt("bench"),
              "ages": [encrypt(str(age)) for age in range(18)], "bands": [age_band(str(age)) for age in range(18)],
              "reason": encrypt("acknowledge"), "channels": ["phone", "sms", "web", "api", "zalo"]}
    engine = get_engine()
    for lo in range(1, n + 1, BATCH):
        hi = min(n, lo + BATCH - 1)
        with engine.begin() as conn:
            for sql in (TICKETS, CASES, HISTORY, BREACHES, TIMERS, LADDERS):
                conn.execute(text(sql), {**params, "lo": lo, "hi": hi})
        echo(f"  loaded {hi:,} cases")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("tickets", "cases", "case_history", "timers", "ladders"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))  # what autovacuum does to settled data
        # Write the load's dirty pages out now: otherwise the checkpoint that follows a bulk load runs
        # during the measurements and its I/O is timed as the queries' (2-3x slower, run to run).
        conn.execute(text("CHECKPOINT"))
    with engine.begin() as conn:
        conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), :n)"), {"n": n})
        conn.execute(text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), :n)"), {"n": n})
    return time.perf_counter() - began


YEAR = Period(date(2025, 1, 1), date(2025, 12, 31))


def decrypted_age_bands(period: Period) -> Counter[str]:
    """The national period's age bands the old way: every child's age decrypted."""
    lo, hi = period.bounds()
    with unit_of_work() as uow:
        stmt = select(Case.child_age).where(Case.received_at >= lo, Case.received_at < hi)
        return Counter(age_band(a) for a in uow.session.execute(stmt).scalars())


def bands_match(period: Period = YEAR) -> bool:
    """The stored bands count exactly what decrypting every age counts."""
    with unit_of_work() as uow:
        stored = statistics(uow.session, period=period, scope=Scope()).cases_by_age_band
    return stored == {k: v for k, v in decrypted_age_bands(period).items() if v}


def _timed(run: Callable[[], object], times: int) -> list[float]:
    out = []
    for _ in range(times):
        began = time.perf_counter()
        run()
        out.append((time.perf_counter() - began) * 1000)
    return out


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(*, board_runs: int = 40, stats_runs: int = 3) -> dict[str, tuple[float, float]]:
    """(median, p95) milliseconds of each query."""
    def board(read: Callable[..., object], scope: BoardScope) -> Callable[[], object]:
        def run() -> object:
            with unit_of_work() as uow:
                without_parallel_workers(uow.session)  # as board_view() reads (a no-op repeated there)
                return read(uow.session, scope=scope, now=NOW)
        return run

    def yearly(scope: Scope) -> Callable[[], object]:
        def run() -> object:
            with unit_of_work() as uow:
                return statistics(uow.session, period=YEAR, scope=scope)
        return run

    def ages() -> Callable[[], object]:
        return lambda: decrypted_age_bands(YEAR)

    line, province = BoardScope(line="111"), BoardScope(province="01")
    runs = {
        "board page, line supervisor (every province): all its reads": (board(board_view, line), board_runs),
        "board page, one province: all its reads": (board(board_view, province), board_runs),
        "  board: clocks breached or due today, every province (list)": (board(board_rows, line), board_runs),
        "  board: the same by province and status (summary)": (board(board_summary, line), board_runs),
        "  board: one province's clocks (list)": (board(board_rows, province), board_runs),
        "statistics: national, one year": (yearly(Scope()), stats_runs),
        "statistics: one province, one year": (yearly(Scope(province="01")), stats_runs),
        "  before the band was stored: the year's ages decrypted": (ages(), stats_runs),
    }
    out = {}
    for name, (run, times) in runs.items():
        run()  # warm the cache once
        samples = _timed(run, times)
        out[name] = (stats.median(samples), p95(samples))
    return out


def run_board_bench(*, cases: int = 1_000_000, echo: Callable[[str], None] = print) -> dict[str, tuple[float, float]]:
    with bench_environment():
        echo(f"loading {cases:,} cases (ten years) into a throwaway database ...")
        seconds = load(cases, echo=echo)
        with get_engine().connect() as conn:
            rows = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in ("cases", "case_history", "timers", "ladders")}
        echo(f"loaded in {seconds:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
        echo("age bands counted in SQL equal the decrypted ages' bands: " + ("yes" if bands_match() else "NO"))
        results = measure()
        for name, (median, high) in results.items():
            echo(f"{name:62s} median {median:8.1f} ms   p95 {high:8.1f} ms")
        return results
