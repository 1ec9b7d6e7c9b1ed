"""The supervisor board's queries: every clock of an open case that is breached, due within the hour or
due today, by province and commune; the counts the board shows; and the change counter its stream polls.

A row is one clock of one case:
- **breached**: its ladder has not been satisfied (running, exhausted, or held by a supervisor who took
  the case over), or its deadline has passed and the sweeper has not fired it yet;
- **hour**: a running deadline due within the next hour;
- **today**: a running deadline due later today (Vietnam time);
- **later**: a running deadline due after today: an open case stays on the board until it is closed, however
  far its next deadline is (a separation's 15 days, a plan's follow-up).

The same `clock_rows` subquery feeds the list and the summaries (`hotline bench board` times them), so
the page, its counts and the benchmark run the same SQL. No identity is read: codes, names of public
administrative units, states, clocks and times only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, case, func, literal, null, select, text, true, tuple_, union_all
from sqlalchemy.orm import Session

from core.clock import VIETNAM, as_utc, local
from notifier.models import ProviderAlert, RecipientFlag
from workflows.access.policy import NATIONAL_ROLES, PROVINCE_ROLES, Principal
from workflows.case.models import Case, CaseHistory, Timer
from workflows.clocks.models import Ladder

# Literal, like the partial indexes' predicates (migrations/versions/board_schema.py), so the
# planner can prove a query matches them whatever the driver does with parameters.
OPEN_CASE = text("cases.state NOT IN ('closed', 'merged', 'counselling', 'information', 'silent')")
# A ladder whose clock is not satisfied: still climbing, exhausted, or stopped by a supervisor's take-over
# (workflows.clocks.timers.cancel_open marks the others `satisfied:<state>`).
UNSATISFIED = text("(ladders.stop_reason IS NULL OR ladders.stop_reason IN ('exhausted', 'taken_over'))")
DEADLINE = text("timers.kind = 'deadline'")
STATUSES = ("breached", "hour", "today", "later")
SORTS = ("due", "province", "commune", "clock", "urgency")
BOARD_ROLES = frozenset({"shift_lead"}) | PROVINCE_ROLES | NATIONAL_ROLES
TAKEN_OVER = "taken_over"
S = TypeVar("S", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class BoardScope:
    """What a board covers: a line (a shift lead: every province), a province, optionally one commune."""

    line: str | None = None
    province: str | None = None
    commune: str | None = None


def board_scope(who: Principal, *, province: str | None = None, commune: str | None = None) -> BoardScope | None:
    """The scope a person asks for, or None when they may not see it (or no board at all).

    A province supervisor sees their province only; the hotline's shift lead (a line supervisor) sees
    every province of their line; an admin everything. Pure; fails closed."""
    if who.role not in BOARD_ROLES:
        return None
    if who.role in PROVINCE_ROLES:
        if not who.province or (province and province != who.province):
            return None
        return BoardScope(province=who.province, commune=commune or None)
    if who.role == "shift_lead":
        if not who.line:
            return None
        return BoardScope(line=who.line, province=province or None, commune=commune or None)
    return BoardScope(province=province or None, commune=commune or None)


@dataclass(frozen=True)
class Horizon:
    now: datetime
    hour: datetime
    day_end: datetime  # the end of today in Vietnam, in UTC

    @classmethod
    def at(cls, now: datetime) -> Horizon:
        now = as_utc(now)
        tomorrow = local(now).date() + timedelta(days=1)
        return cls(now, now + timedelta(hours=1), as_utc(datetime.combine(tomorrow, time(0), tzinfo=VIETNAM)))


@dataclass(frozen=True)
class BoardFilter:
    status: str | None = None  # breached | hour | today
    clock: str | None = None
    sort: str = "due"
    descending: bool = False


@dataclass(frozen=True)
class BoardRow:
    reference: str
    province_code: str | None
    commune_code: str | None
    commune_name: str | None
    state: str
    urgency: str
    category: str | None
    clock: str
    due_at: datetime
    status: str
    ladder: str | None  # running | exhausted | taken_over | None (not breached, or not fired yet)
    step: int | None
    next_at: datetime | None
    held_by: str | None = None


def _in_scope(stmt: S, scope: BoardScope) -> S:
    if scope.line is not None:
        stmt = stmt.where(Case.line == scope.line)
    if scope.province is not None:
        stmt = stmt.where(Case.province_code == scope.province)
    if scope.commune is not None:
        stmt = stmt.where(Case.commune_code == scope.commune)
    return stmt


def clock_rows(scope: BoardScope, horizon: Horizon) -> Any:
    """Every clock of an open case in scope: breached, due within the hour, today or later (a subquery).

    The clocks (unsatisfied ladders, running deadlines due today) are gathered first and joined once to
    the open cases in scope: each side is an index-only scan of a partial index (migrations/
    versions/board_channel_schema.py, supervisor_board_schema.py, board_schema.py)."""
    clocks = union_all(_ladder_clocks(), _deadline_clocks(horizon)).subquery("clocks")
    joined = select(Case.id.label("case_id"), Case.reference, Case.province_code, Case.commune_code,
                    Case.commune_name, Case.state, Case.urgency, Case.category, clocks.c.clock, clocks.c.due_at,
                    clocks.c.status, clocks.c.ladder, clocks.c.step, clocks.c.next_at) \
        .select_from(clocks).join(Case, Case.id == clocks.c.case_id).where(OPEN_CASE)
    return _in_scope(joined, scope).subquery("board_clocks")


def board_rows(session: Session, *, scope: BoardScope, now: datetime, filters: BoardFilter = BoardFilter(),
               limit: int = 200) -> list[BoardRow]:
    """The board's list, sorted and filtered on the server (the page works without JavaScript)."""
    horizon = Horizon.at(now)
    default_order = (filters.sort if filters.sort in SORTS else "due") == "due" and not filters.descending
    whole_line = scope.province is None and scope.commune is None
    if default_order and whole_line and session.get_bind().dialect.name == "postgresql":  # SQLite: no LATERAL
        found = _first_due(session, scope=scope, horizon=horizon, filters=filters, limit=limit)
    else:
        found = _sorted_rows(session, scope=scope, horizon=horizon, filters=filters, limit=limit)
    holders = held_by(session, {r["case_id"] for r in found})
    return [BoardRow(reference=r["reference"], province_code=r["province_code"], commune_code=r["commune_code"],
                     commune_name=r["commune_name"], state=r["state"], urgency=r["urgency"], category=r["category"],
                     clock=r["clock"], due_at=as_utc(r["due_at"]), status=r["status"], ladder=r["ladder"],
                     step=r["step"], next_at=r["next_at"] and as_utc(r["next_at"]), held_by=holders.get(r["case_id"]))
            for r in found]


STATUS_RANK = {"breached": 0, "hour": 1, "today": 2}
LATER_RANK = 3


def _sorted_rows(session: Session, *, scope: BoardScope, horizon: Horizon, filters: BoardFilter,
                 limit: int) -> list[Any]:
    """Any order: every clock in scope joined to its case, then sorted (a province's or a commune's clocks
    are a small part of the line's: joining them first is cheapest)."""
    rows = clock_rows(scope, horizon)
    stmt = select(rows)
    if filters.status in STATUSES:
        stmt = stmt.where(rows.c.status == filters.status)
    if filters.clock:
        stmt = stmt.where(rows.c.clock == filters.clock)
    status_rank = case(STATUS_RANK, value=rows.c.status, else_=LATER_RANK)
    urgency_rank = case({"emergency": 0, "high": 1}, value=rows.c.urgency, else_=2)
    keys = {
        "due": (rows.c.due_at,),
        "province": (rows.c.province_code, rows.c.commune_code, rows.c.due_at),
        "commune": (rows.c.commune_name, rows.c.commune_code, rows.c.due_at),
        "clock": (rows.c.clock, rows.c.due_at),
        "urgency": (urgency_rank, rows.c.due_at),
    }[filters.sort if filters.sort in SORTS else "due"]
    order = [k.desc() if filters.descending else k.asc() for k in keys]
    stmt = stmt.order_by(status_rank, *order, rows.c.reference, rows.c.clock).limit(limit)
    return list(session.execute(stmt).mappings().all())


def _first_due(session: Session, *, scope: BoardScope, horizon: Horizon, filters: BoardFilter,
               limit: int) -> list[Any]:
    """The default order (breached first, then the soonest due) for a whole line, read in order.

    Nearly every unsatisfied clock of a line is in scope, so each source (the unsatisfied ladders by
    deadline, the running deadlines by due time: both ordered indexes) is read from its oldest, each row's
    open case looked up by its key, until `limit` rows are found, instead of joining and sorting them all.
    The first `limit` of the two sources together are the first `limit` of the board: a source's own
    order is the board's order restricted to it (a ladder is always breached; a deadline's status follows
    its due time)."""
    status = filters.status if filters.status in STATUSES else None
    found: list[Any] = []
    if status in (None, "breached"):
        found += _first_of(session, _ladder_clocks(), scope=scope, clock=filters.clock, limit=limit)
    found += _first_of(session, _deadline_clocks(horizon, status=status), scope=scope, clock=filters.clock,
                       limit=limit)
    found.sort(key=lambda r: (STATUS_RANK.get(r["status"], LATER_RANK), r["due_at"], r["reference"], r["clock"]))
    return found[:limit]


def _ladder_clocks() -> Select[Any]:
    ladder_state = case((Ladder.stop_reason.is_(None), literal("running")), else_=Ladder.stop_reason)
    return select(Ladder.case_id.label("case_id"), Ladder.clock.label("clock"), Ladder.deadline_at.label("due_at"),
                  literal("breached").label("status"), ladder_state.label("ladder"), Ladder.step.label("step"),
                  Ladder.next_at.label("next_at")).where(UNSATISFIED)


def _deadline_clocks(horizon: Horizon, *, status: str | None = None) -> Select[Any]:
    bucket = case((Timer.due_at <= horizon.now, literal("breached")), (Timer.due_at <= horizon.hour, literal("hour")),
                  (Timer.due_at < horizon.day_end, literal("today")), else_=literal("later"))
    stmt = select(Timer.case_id.label("case_id"), Timer.clock.label("clock"), Timer.due_at.label("due_at"),
                  bucket.label("status"), null().label("ladder"), null().label("step"), null().label("next_at")) \
        .where(DEADLINE, Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))
    if status == "breached":
        stmt = stmt.where(Timer.due_at <= horizon.now)
    elif status == "hour":
        stmt = stmt.where(Timer.due_at > horizon.now, Timer.due_at <= horizon.hour)
    elif status == "today":
        stmt = stmt.where(Timer.due_at > horizon.hour, Timer.due_at < horizon.day_end)
    elif status == "later":
        stmt = stmt.where(Timer.due_at >= horizon.day_end)
    return stmt


def _first_of(session: Session, clocks: Select[Any], *, scope: BoardScope, clock: str | None,
              limit: int) -> list[Any]:
    """A source's first `limit` clocks of open cases in scope, in the board's order. The case is a lateral
    look-up by its key (OFFSET 0 keeps PostgreSQL from turning it into a join of every clock)."""
    source = clocks.where(clocks.selected_columns.clock == clock) if clock else clocks
    src = source.subquery("clocks")
    cases = _in_scope(select(Case.id, Case.reference, Case.province_code, Case.commune_code, Case.commune_name,
                             Case.state, Case.urgency, Case.category)
                      .where(Case.id == src.c.case_id, OPEN_CASE), scope).offset(0).lateral("open_case")
    stmt = select(src.c.case_id, cases.c.reference, cases.c.province_code, cases.c.commune_code,
                  cases.c.commune_name, cases.c.state, cases.c.urgency, cases.c.category, src.c.clock, src.c.due_at,
                  src.c.status, src.c.ladder, src.c.step, src.c.next_at) \
        .select_from(src.join(cases, true())) \
        .order_by(src.c.due_at, cases.c.reference, src.c.clock).limit(limit)
    return list(session.execute(stmt).mappings().all())


def held_by(session: Session, case_ids: set[int]) -> dict[int, str]:
    """Who took each case over, the latest take-over winning (history events `taken_over`)."""
    if not case_ids:
        return {}
    stmt = (select(CaseHistory.case_id, CaseHistory.actor).where(
        CaseHistory.case_id.in_(sorted(case_ids)), CaseHistory.event == TAKEN_OVER).order_by(CaseHistory.id))
    return {case_id: actor for case_id, actor in session.execute(stmt)}


@dataclass(frozen=True)
class Summary:
    """Counts of clocks per place (province or commune) and status, the totals per status, and the clocks
    that have rows (the filter's choices)."""

    by: str  # province | commune
    counts: dict[str, dict[str, int]]  # place code -> status -> count
    names: dict[str, str]
    totals: dict[str, int]
    clocks: list[str]


def board_summary(session: Session, *, scope: BoardScope, now: datetime) -> Summary:
    """National (or a line's) board: per province; a province's: per commune. One pass over the clocks
    in scope, counted by place, status and clock."""
    rows = clock_rows(scope, Horizon.at(now))
    by = "commune" if scope.province or scope.commune else "province"
    place = rows.c.commune_code if by == "commune" else rows.c.province_code
    name = func.max(rows.c.commune_name) if by == "commune" else func.max(rows.c.province_code)
    stmt = select(place, rows.c.status, rows.c.clock, func.count(), name).group_by(place, rows.c.status, rows.c.clock)
    counts: dict[str, dict[str, int]] = {}
    names: dict[str, str] = {}
    totals = dict.fromkeys(STATUSES, 0)
    clocks: set[str] = set()
    for code, status, clock, n, label in session.execute(stmt):
        key = code or "—"
        place_counts = counts.setdefault(key, dict.fromkeys(STATUSES, 0))
        place_counts[status] += n
        names[key] = label or key
        totals[status] += n
        clocks.add(clock)
    return Summary(by, dict(sorted(counts.items(), key=lambda kv: (-kv[1]["breached"], kv[0]))), names, totals,
                   sorted(clocks))


@dataclass(frozen=True)
class OpenCounts:
    by_state: list[tuple[str, int]]
    by_commune: list[tuple[str, str, int]]  # code, name, count
    by_category: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    total: int


def open_counts(session: Session, *, scope: BoardScope, top: int = 15) -> OpenCounts:
    """Open cases in scope by state, commune, category and channel (the channel the report came in by,
    kept on the case).

    PostgreSQL counts the four in one pass (GROUPING SETS over one index-only scan); SQLite, the demo,
    runs one GROUP BY each."""
    dims: tuple[tuple[Any, ...], ...] = ((Case.state,), (Case.commune_code, Case.commune_name), (Case.category,),
                                         (Case.channel,))
    base = _in_scope(select().select_from(Case).where(OPEN_CASE), scope)
    found: list[list[tuple[Any, ...]]] = [[] for _ in dims]
    if session.get_bind().dialect.name == "postgresql":
        keys = [c for dim in dims for c in dim]
        which = func.grouping(Case.state, Case.commune_code, Case.category, Case.channel)
        sets = func.grouping_sets(*(tuple_(*dim) for dim in dims))
        for row in session.execute(base.add_columns(*keys, func.count(), which).group_by(sets)):
            *values, n, mask = row
            at = {0b0111: 0, 0b1011: 1, 0b1101: 2, 0b1110: 3}[mask]
            start = sum(len(d) for d in dims[:at])
            found[at].append((*values[start:start + len(dims[at])], n))
    else:
        for at, dim in enumerate(dims):
            found[at] = [tuple(r) for r in session.execute(base.add_columns(*dim, func.count()).group_by(*dim))]
    for rows in found:
        rows.sort(key=lambda r: (-r[-1], *("" if v is None else str(v) for v in r[:-1])))
    states = [(str(s), int(n)) for s, n in found[0]]
    communes = [(c or "—", name or "—", int(n)) for c, name, n in found[1]]
    categories = [(c or "—", int(n)) for c, n in found[2]]
    channels = [(c or "—", int(n)) for c, n in found[3]]
    return OpenCounts(states, communes[:top], categories, channels, sum(n for _s, n in states))


@dataclass(frozen=True)
class Waiting:
    reference: str
    state: str  # plan_drafted | closure_requested
    commune_code: str | None
    commune_name: str | None
    since: datetime | None


WAITING_STATES = {"plan_drafted": "draft_plan", "closure_requested": "request_closure"}


def waiting_for_approval(session: Session, *, scope: BoardScope, limit: int = 100) -> list[Waiting]:
    """Plans waiting for the chair's approval and closures waiting for approval, the oldest first."""
    since = (select(func.max(CaseHistory.at)).where(
        CaseHistory.case_id == Case.id, CaseHistory.event.in_(tuple(WAITING_STATES.values())))
        .correlate(Case).scalar_subquery())
    stmt = _in_scope(select(Case.reference, Case.state, Case.commune_code, Case.commune_name, since.label("since"))
                     .where(Case.state.in_(tuple(WAITING_STATES))), scope)
    found = session.execute(stmt.order_by(since, Case.reference).limit(limit)).all()
    return [Waiting(ref, state, code, name, at and as_utc(at)) for ref, state, code, name, at in found]


def change_counter(session: Session) -> tuple[int, int, int]:
    """What the board's stream polls about once a second: every change a board shows writes a case history
    row in its own transaction (a breach, an escalation, a move, a re-routing, a take-over), a new bad
    number a recipient flag, an outage a provider alert. Three index lookups."""
    history = session.scalar(select(func.max(CaseHistory.id))) or 0
    flags = session.scalar(select(func.max(RecipientFlag.id))) or 0
    outages = session.scalar(select(func.count()).select_from(ProviderAlert)
                             .where(ProviderAlert.open_slot.is_not(None))) or 0
    return history, flags, outages
