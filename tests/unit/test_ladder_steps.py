"""Which rung a ladder takes next: pure, from the clock's steps and whether the chain has someone left."""

from __future__ import annotations

from workflows.clocks.policy import DEFAULT_POLICY, Step
from workflows.clocks.policy_reader import load_policy
from workflows.escalation.ladders import Move, next_move

ACK = load_policy(DEFAULT_POLICY).steps("acknowledge")  # chain, call officer+assignee, supervisor


def test_the_chain_walks_while_it_has_someone_after_the_holder() -> None:
    assert next_move(ACK, 0, chain_has_next=True) == Move("walk", 0)


def test_an_exhausted_chain_gives_way_to_the_call_at_once() -> None:
    assert next_move(ACK, 0, chain_has_next=False) == Move("tell", 1)


def test_then_the_supervisor_then_nothing() -> None:
    assert next_move(ACK, 2, chain_has_next=True) == Move("tell", 2)
    assert next_move(ACK, 3, chain_has_next=True) == Move("exhausted", 3)


def test_a_legal_ladder_tells_everyone_in_one_rung() -> None:
    (only,) = load_policy(DEFAULT_POLICY).steps("emergency_protection")
    assert set(only.to) == {"chair", "police", "supervisor"} and only.channel == "both"
    assert next_move((only,), 0, chain_has_next=False) == Move("tell", 0)


def test_a_ladder_of_only_a_chain_is_exhausted_when_the_chain_is() -> None:
    assert next_move((Step(("chain",)),), 0, chain_has_next=False) == Move("exhausted", 1)
