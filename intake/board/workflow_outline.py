"""The workflow diagram on the board: the machine's own table (workflows.case.machine), drawn as the states in
their order with the open cases in each and the moves out of them; the Mermaid source is the one
`workflows.case.diagram` writes into docs/workflow.md."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from workflows.case.diagram import mermaid
from workflows.case.machine import STATES, TERMINAL, TRANSITIONS


@dataclass(frozen=True)
class Node:
    state: str
    count: int
    terminal: bool
    moves: tuple[tuple[str, str, str | None], ...]  # trigger, destination, guard


@lru_cache(maxsize=1)
def _moves() -> dict[str, tuple[tuple[str, str, str | None], ...]]:
    out: dict[str, list[tuple[str, str, str | None]]] = {state: [] for state in STATES}
    for trigger, sources, dest, guard, _who in TRANSITIONS:
        for source in (sources,) if isinstance(sources, str) else sources:
            out[source].append((trigger, dest, guard))
    return {state: tuple(moves) for state, moves in out.items()}


def outline(open_by_state: dict[str, int]) -> list[Node]:
    moves = _moves()
    return [Node(state, open_by_state.get(state, 0), state in TERMINAL, moves[state]) for state in STATES]


@lru_cache(maxsize=1)
def mermaid_source() -> str:
    return mermaid()
