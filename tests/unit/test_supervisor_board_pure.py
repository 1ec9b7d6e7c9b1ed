"""Pure parts of the supervisor board: who gets which scope, the day's horizon in Vietnam time, the shared
reads behind the live streams, the texts in both languages, the workflow outline."""

from __future__ import annotations

from datetime import UTC, datetime

from intake.board.board_texts import CLOCKS, EN, VI
from intake.board.workflow_outline import outline
from intake.web.live import SharedReads
from workflows.access.policy import Principal
from workflows.case.machine import STATES
from workflows.clocks.context import active_policy
from workflows.supervision.board import BoardScope, Horizon, board_scope


def test_each_role_gets_its_own_scope_and_nothing_else() -> None:
    supervisor = Principal(user="gs", role="province_supervisor", province="44")
    assert board_scope(supervisor) == BoardScope(province="44")
    assert board_scope(supervisor, province="44", commune="19597") == BoardScope(province="44", commune="19597")
    assert board_scope(supervisor, province="66") is None
    lead = Principal(user="tc", role="shift_lead", line="111")
    assert board_scope(lead) == BoardScope(line="111")
    assert board_scope(lead, province="66") == BoardScope(line="111", province="66")
    assert board_scope(Principal(user="a", role="admin")) == BoardScope()
    for role in ("operator", "commune_officer", "commune_chair", "commune_police", "nobody"):
        assert board_scope(Principal(user="x", role=role, line="111", province="44", commune="19597")) is None
    assert board_scope(Principal(user="gs", role="province_supervisor")) is None  # a broken scope: nothing


def test_today_ends_at_midnight_in_vietnam() -> None:
    late = Horizon.at(datetime(2026, 11, 24, 16, 30, tzinfo=UTC))  # 23:30 in Vietnam
    assert late.day_end == datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    early = Horizon.at(datetime(2026, 11, 24, 17, 30, tzinfo=UTC))  # 00:30 the next day
    assert early.day_end == datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    assert (early.hour - early.now).total_seconds() == 3600


def test_shared_reads_compute_once_until_the_stamp_moves_or_a_fresh_read_is_asked() -> None:
    reads = SharedReads[str](max_age=60)
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        return f"v{len(calls)}"

    assert reads.get("k", compute, stamp=1) == "v1"
    assert reads.get("k", compute, stamp=1) == "v1" and len(calls) == 1  # fifty watchers: one read
    assert reads.get("k", compute, stamp=2) == "v2"  # something changed
    assert reads.get("k", compute, stamp=2, fresh=True) == "v3"  # a new stream never serves an older page
    assert reads.get("other", compute, stamp=2) == "v4"


def test_texts_in_both_languages_and_a_name_for_every_clock_of_the_policy() -> None:
    assert VI.keys() == EN.keys()
    assert set(active_policy().clocks) <= set(CLOCKS)
    assert all(vi and en and vi != en for vi, en in CLOCKS.values())


def test_the_outline_has_every_state_with_its_moves_and_counts() -> None:
    nodes = outline({"assigned": 3})
    assert [n.state for n in nodes] == list(STATES)
    assigned = next(n for n in nodes if n.state == "assigned")
    assert assigned.count == 3 and ("acknowledge", "acknowledged", None) in assigned.moves
    assert next(n for n in nodes if n.state == "closed").terminal
