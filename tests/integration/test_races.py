"""Two things happening to one case at the same moment, on real PostgreSQL with real threads.

Each race is lined up with a `threading.Barrier` placed where the code is between its read and its lock
(or its write), so the interleaving that used to go wrong happens every run; every thread is joined with
a timeout, so a deadlock fails the test instead of hanging it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.db import UnitOfWork, unit_of_work
from notifier.models import OutboxMessage
from tests.integration.ladder_calls import breach, climb_to_call
from workflows.case.models import Case
from workflows.case.reports import NewReport
from workflows.casework.service import open_ticket

OFFICER = "+84912345678"  # the first contact of Xã Cam Lộ's chain (demo roster)
JOIN = 20.0  # seconds: a thread still running after this is a deadlock or a hang


def _open() -> str:
    return open_ticket(UnitOfWork(), report=NewReport(description="Trẻ bị đánh", location="xã Cam Lộ, Quảng Trị"),
                       channel="api").reference


def _case(reference: str) -> Case:
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        _ = case.timers, case.history
        return case


def _events(reference: str, event: str) -> int:
    return sum(1 for h in _case(reference).history if h.event == event)


def _outbox(reference: str, purpose: str) -> list[OutboxMessage]:
    with unit_of_work() as uow:
        case_id = _case(reference).id
        return list(uow.session.execute(select(OutboxMessage).where(
            OutboxMessage.case_id == case_id, OutboxMessage.purpose == purpose)).scalars())


def _together(*jobs: Callable[[], Any]) -> list[Any]:
    """Run each job in its own thread; their results (an exception is a result); fails on a hang."""
    results: list[Any] = [None] * len(jobs)

    def run(i: int, job: Callable[[], Any]) -> None:
        try:
            results[i] = job()
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, job), daemon=True) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN)
    assert not any(t.is_alive() for t in threads), "a thread is still waiting: deadlock or hang"
    return results


def _at_barrier(monkeypatch: pytest.MonkeyPatch, modules: Any, name: str, parties: int) -> threading.Barrier:
    """`name` in each of `modules` waits for `parties` callers before it runs: everyone has read, nobody
    has locked."""
    barrier = threading.Barrier(parties, timeout=JOIN)
    for module in modules if isinstance(modules, tuple) else (modules,):
        real = getattr(module, name)

        def lined_up(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            barrier.wait()
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, lined_up)
    return barrier


def _meet_after(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> None:
    """`name` in `module` runs, then waits (at most 1.5 s) for the other side to have run it too: a side
    that waits for a lock never gets there, and the first goes on alone."""
    both = threading.Barrier(2, timeout=1.5)
    real = getattr(module, name)

    def met(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        try:
            both.wait()
        except threading.BrokenBarrierError:
            pass
        return found

    monkeypatch.setattr(module, name, met)


# --- two answers to one case at once ------------------------------------------------------------


def test_two_sms_acknowledgements_at_once_record_one(clock, monkeypatch) -> None:
    """The same "NHAN <ref>" from one phone under two message ids: both read the case, then lock it. The
    second must see the first's acknowledgement after its lock (a repeat), not the state it read before."""
    import workflows.field.commands as commands

    ref = _open()
    _at_barrier(monkeypatch, commands, "lock_case", 2)

    def sms(sid: str) -> Callable[[], str]:
        return lambda: commands.handle_command(UnitOfWork(), channel="twilio", external_id=sid, from_phone=OFFICER,
                                               text=f"NHAN {ref}")

    answers = _together(sms("SM" + "1" * 32), sms("SM" + "2" * 32))
    assert all(isinstance(a, str) for a in answers), answers
    assert _events(ref, "acknowledge") == 1
    assert sum("Da ghi nhan" in a for a in answers) == 1, answers  # the other: "Ban da nhan ca ... roi"
    assert _case(ref).state == "acknowledged"


def test_the_link_and_an_sms_accepting_at_once_record_one(clock, monkeypatch) -> None:
    """The one-tap link and "NHAN <ref>" from the same officer at the same moment: one acknowledgement."""
    import workflows.field.commands as commands
    import workflows.field.links as answer_links
    from workflows.team.answer_keys import issue_link, link_token

    ref = _open()
    with unit_of_work() as uow:
        case = uow.session.execute(select(Case).where(Case.reference == ref)).scalar_one()
        token = link_token(issue_link(uow.session, case, phone=OFFICER, now=clock.now()).id)
        uow.commit()
    _at_barrier(monkeypatch, (commands, answer_links), "lock_case", 2)

    tap, sms = _together(
        lambda: answer_links.use_link(UnitOfWork(), token=token, action="accept", reason=None)[0],
        lambda: commands.handle_command(UnitOfWork(), channel="twilio", external_id="SM" + "3" * 32,
                                        from_phone=OFFICER, text=f"NHAN {ref}"))
    assert not isinstance(tap, BaseException) and isinstance(sms, str), (tap, sms)
    assert _events(ref, "acknowledge") == 1
    assert tap.done != ("Da ghi nhan" in sms), (tap, sms)  # exactly one of them accepted


def _in_turn(monkeypatch: pytest.MonkeyPatch, holder: tuple[Any, str], reader: tuple[Any, str], *,
             signal_after_read: bool = False) -> threading.Event:
    """Line two sides up: `holder`'s function, called once its side holds the case's lock, waits (at most
    1.5 s) until the other side calls `reader`'s function; a side that waits for the case's lock never gets
    there, and the holder goes on. The event returned is set once the holder holds the lock."""
    locked, read = threading.Event(), threading.Event()
    (hold_module, hold_name), (read_module, read_name) = holder, reader
    real_hold, real_read = getattr(hold_module, hold_name), getattr(read_module, read_name)

    def hold(*args: Any, **kwargs: Any) -> Any:
        locked.set()
        read.wait(1.5)
        return real_hold(*args, **kwargs)

    def read_(*args: Any, **kwargs: Any) -> Any:
        if not signal_after_read:
            read.set()
        value = real_read(*args, **kwargs)
        read.set()
        return value

    monkeypatch.setattr(hold_module, hold_name, hold)
    monkeypatch.setattr(read_module, read_name, read_)
    return locked


def _once(locked: threading.Event, do: Callable[[], Any]) -> Callable[[], Any]:
    """`do`, started once the other side holds the case's lock."""
    def run() -> Any:
        assert locked.wait(JOIN)
        return do()

    return run


# --- an acknowledgement at the moment its deadline fires ----------------------------------------


def _ack_deadline(reference: str) -> int:
    return next(t.id for t in _case(reference).timers if t.clock == "acknowledge" and t.kind == "deadline")


def _ack_while_firing(monkeypatch: pytest.MonkeyPatch, reference: str, fire: Callable[[], Any]) -> list[Any]:
    """The officer's "NHAN" holds the case's lock when the deadline's firer starts; the firer may get as far
    as reading the case before the answer goes on (it waits for that, at most a few seconds)."""
    import workflows.field.commands as commands
    import workflows.jobs as jobs

    locked = _in_turn(monkeypatch, (commands, "act"), (jobs, "on_timer"))
    return _together(
        lambda: commands.handle_command(UnitOfWork(), channel="twilio", external_id="SM" + "4" * 32,
                                        from_phone=OFFICER, text=f"NHAN {reference}"),
        _once(locked, fire))


def _one_outcome(reference: str) -> None:
    """Acknowledged with nothing sent on, or escalated with the late acknowledgement stopping the ladder;
    never an acknowledged case whose ladder or deadline still runs."""
    from workflows.clocks.models import Ladder

    case = _case(reference)
    assert case.state == "acknowledged" and _events(reference, "acknowledge") == 1
    open_ack = [t for t in case.timers if t.clock == "acknowledge" and t.fired_at is None and t.cancelled_at is None]
    assert open_ack == []
    with unit_of_work() as uow:
        ladders = list(uow.session.execute(select(Ladder).where(Ladder.case_id == case.id)).scalars())
    assert all(row.stopped_at is not None and row.next_at is None for row in ladders)
    if _outbox(reference, "escalation"):  # the deadline fired first: the acknowledgement came late
        assert _events(reference, "sla_breached") == 1 and len(ladders) == 1


def test_an_acknowledgement_while_the_wake_up_fires_its_deadline(clock, monkeypatch) -> None:
    from workflows.jobs import fire_timer

    ref = _open()
    timer_id = _ack_deadline(ref)
    clock.advance(timedelta(hours=4, seconds=1))
    answer, fired = _ack_while_firing(monkeypatch, ref, lambda: fire_timer(timer_id))
    assert isinstance(answer, str) and "Da ghi nhan" in answer, answer
    assert isinstance(fired, str), fired  # no deadlock: the wake-up waited for the answer
    _one_outcome(ref)


def test_an_acknowledgement_while_the_sweeper_fires_its_deadline(clock, monkeypatch) -> None:
    from workflows.jobs import sweep

    ref = _open()
    clock.advance(timedelta(hours=4, seconds=1))
    answer, swept = _ack_while_firing(monkeypatch, ref, sweep)
    assert isinstance(answer, str) and "Da ghi nhan" in answer, answer
    assert isinstance(swept, dict), swept
    _one_outcome(ref)


# --- a delivery receipt saying the assignment failed, at the moment the officer accepts -------------


def test_an_undelivered_receipt_while_the_officer_accepts_hands_nothing_on(clock, monkeypatch) -> None:
    """The officer got the SMS after all (or answered by the link) and accepts while the provider's
    "undelivered" receipt arrives: the case stays with the officer, and the next contact is not texted."""
    import workflows.field.commands as commands
    import workflows.team.assignment as assignment
    from workflows.field.delivery import deliver_next
    from workflows.field.receipts import record_delivery

    ref = _open()
    assert deliver_next() is not None  # the assignment SMS to the officer leaves
    (sms,) = _outbox(ref, "assignment")
    locked = _in_turn(monkeypatch, (commands, "act"), (assignment, "recipients"))
    answer, moved = _together(
        lambda: commands.handle_command(UnitOfWork(), channel="twilio", external_id="SM" + "5" * 32,
                                        from_phone=OFFICER, text=f"NHAN {ref}"),
        _once(locked, lambda: record_delivery(UnitOfWork(), outbox_id=sms.id, status="undelivered",
                                              provider_sid=sms.provider_sid)))
    assert isinstance(answer, str) and "Da ghi nhan" in answer, answer
    assert moved is True, moved
    case = _case(ref)
    assert case.state == "acknowledged" and case.assignee_order == 0
    assert _outbox(ref, "escalation") == []


# --- two messages from a new sender at once ----------------------------------------------------------


def test_two_messages_from_a_new_sender_at_once_open_one_conversation(clock, monkeypatch) -> None:
    """A member of the public sends two SMS in a row and the provider posts both at the same moment: one
    conversation, one automatic answer (not two contacts, each answered)."""
    import workflows.contacts.conversations as conversations
    from notifier.ports import InboundSms
    from workflows.contacts.models import ContactMessage, IntakeContact
    from workflows.field.inbound_sms import receive_sms

    _meet_after(monkeypatch, conversations, "_open_conversation")  # a second message that waits never reads first

    def text(sid: str, body: str) -> Callable[[], str | None]:
        return lambda: receive_sms(InboundSms(provider="jasmin", external_id=sid, from_phone="+84987650001",
                                              to="111", text=body), answer_by_sms=True)

    answers = _together(text("m-1", "Co em be bi danh"), text("m-2", "o thon 3 xa Cam Lo"))
    assert not any(isinstance(a, BaseException) for a in answers), answers
    assert sum(a is not None for a in answers) == 1, answers  # the first answer, once
    with unit_of_work() as uow:
        contacts = list(uow.session.execute(select(IntakeContact).where(IntakeContact.channel == "sms")).scalars())
        inbound = list(uow.session.execute(select(ContactMessage).where(ContactMessage.direction == "in")).scalars())
        replies = list(uow.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == "reply")).scalars())
    assert len(contacts) == 1 and len(inbound) == 2 and {m.contact_id for m in inbound} == {contacts[0].id}
    assert len(replies) == 1


# --- a supervisor takes the case over at the moment its ladder's next rung fires -------------------------


def test_a_take_over_while_the_ladder_climbs(clock, monkeypatch) -> None:
    """The ladder stops where the supervisor took over: it does not climb on the case as it was before."""
    import workflows.jobs as jobs
    import workflows.supervision.actions as supervision
    from workflows.clocks.models import Ladder
    from workflows.jobs import fire_timer, sweep

    ref = _open()
    clock.advance(timedelta(hours=4, seconds=1))
    sweep()  # the deadline breaches: the ladder's first rung hands the case to the next contact
    step = next(t for t in _case(ref).timers if t.kind == "step" and t.fired_at is None)
    clock.advance(step.due_at - clock.now() + timedelta(seconds=1))
    sent_before = len(_outbox(ref, "escalation")) + len(_outbox(ref, "ladder"))
    locked = _in_turn(monkeypatch, (supervision, "ladders_of"), (jobs, "on_timer"))
    stopped, fired = _together(
        lambda: supervision.take_over(UnitOfWork(), reference=ref, actor="giamsat", reason="toi xu ly"),
        _once(locked, lambda: fire_timer(step.id)))
    assert stopped == ["acknowledge"], stopped
    assert isinstance(fired, str), fired
    with unit_of_work() as uow:
        (ladder,) = uow.session.execute(select(Ladder)).scalars()
    assert ladder.stopped_at is not None and ladder.next_at is None and ladder.stop_reason == "taken_over"
    assert len(_outbox(ref, "escalation")) + len(_outbox(ref, "ladder")) == sent_before  # nothing after it


# --- a supervisor reassigns the case at the moment the old team's officer accepts ---------------------


def test_a_reassignment_while_the_old_teams_officer_accepts(clock, monkeypatch) -> None:
    """The reassignment locks the case first; the officer's "NHAN", which read the case before, must be
    judged on the case as reassigned (no longer their team's), not accept it for the new team."""
    import workflows.casework.service as service
    import workflows.field.commands as commands

    ref = _open()
    together = threading.Barrier(2, timeout=JOIN)
    real = service.lock_case

    def reassign_lock(*args: Any, **kwargs: Any) -> Any:
        together.wait()
        return real(*args, **kwargs)

    def answer_lock(*args: Any, **kwargs: Any) -> Any:
        together.wait()
        time.sleep(0.3)  # the reassignment takes the lock first
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "lock_case", reassign_lock)
    monkeypatch.setattr(commands, "lock_case", answer_lock)
    moved, answer = _together(
        lambda: service.reroute(UnitOfWork(), reference=ref, commune_code="22255", reason="Tre o Tay Hoa",
                                operator="gs-qt"),
        lambda: commands.handle_command(UnitOfWork(), channel="twilio", external_id="SM" + "6" * 32,
                                        from_phone=OFFICER, text=f"NHAN {ref}"))
    assert not isinstance(moved, BaseException) and isinstance(answer, str), (moved, answer)
    case = _case(ref)
    assert case.state == "assigned" and case.commune_code == "22255"
    assert _events(ref, "acknowledge") == 0 and "Da ghi nhan" not in answer, answer


# --- two operators merge two duplicate reports into each other at the same moment ----------------------


def test_two_duplicates_merged_into_each_other_at_once(clock, monkeypatch) -> None:
    """One merge is made, the other refused (409): no deadlock (a 500), no pair merged into each other."""
    import workflows.casework.desk as intake_desk
    from core.errors import Conflict
    from workflows.access.policy import Principal

    first, second = (open_ticket(UnitOfWork(), report=NewReport(description="x", location="gần chợ"),
                                 channel="web").reference for _ in range(2))
    assert _case(first).state == _case(second).state == "needs_routing"
    _meet_after(monkeypatch, intake_desk, "lock_case")  # a merge that waits for the other's lock never gets here
    who = Principal(user="lan", role="operator", line="111")

    def merge(reference: str, into: str) -> Callable[[], Case]:
        return lambda: intake_desk.merge_report_case(UnitOfWork(), reference=reference, into=into, who=who,
                                                     reason="cung mot tre", now=clock.now())

    results = _together(merge(first, second), merge(second, first))
    assert sorted(type(r).__name__ for r in results) == ["Case", "Conflict"], results
    assert isinstance(next(r for r in results if not isinstance(r, Case)), Conflict)
    assert sorted([_case(first).state, _case(second).state]) == ["merged", "needs_routing"]


def test_a_contact_joined_to_a_case_as_it_is_merged_lands_on_the_kept_case(clock, monkeypatch) -> None:
    """An operator joins a caller's contact to a report's case while another merges that case into the one it
    duplicates: the join waits for the merge and lands on the kept case, never on the closed duplicate."""
    import workflows.casework.desk as intake_desk
    import workflows.contacts.service as contacts
    from workflows.access.policy import Principal
    from workflows.contacts.models import IntakeContact

    kept, duplicate = (open_ticket(UnitOfWork(), report=NewReport(description="x", location="gần chợ"),
                                   channel="web").reference for _ in range(2))
    with UnitOfWork() as uow:
        call, _ = contacts.open_contact(uow, channel="voice", external_id="CA-join", caller="+84987650003",
                                        now=clock.now(), line="111", state="in_progress")
        call_id = call.id
        uow.commit()
    # The merge, holding both cases, waits until the join has read the case (and records on it), if it can.
    locked = _in_turn(monkeypatch, (intake_desk, "transition"), (contacts, "record"))
    merged, joined = _together(
        lambda: intake_desk.merge_report_case(UnitOfWork(), reference=duplicate, into=kept, reason="cung mot tre",
                                              who=Principal(user="lan", role="operator", line="111"),
                                              now=clock.now()),
        _once(locked, lambda: contacts.merge_into_case(UnitOfWork(), contact=call_id, case_reference=duplicate,
                                                       actor="minh", now=clock.now())))
    assert isinstance(merged, Case) and isinstance(joined, Case), (merged, joined)
    assert joined.reference == kept and _case(duplicate).state == "merged"
    with unit_of_work() as uow:
        row = uow.session.get(IntakeContact, call_id)
        assert row is not None and (row.outcome, row.case_id) == ("merged", _case(kept).id)


# --- two operators take the same contact at the intake desk (already handled: kept as a cheap guard) ----


def test_two_operators_taking_one_call_at_once(clock, monkeypatch) -> None:
    import workflows.casework.desk as intake_desk
    from core.errors import Conflict
    from workflows.access.policy import Principal
    from workflows.contacts.models import IntakeContact
    from workflows.contacts.service import open_contact

    with UnitOfWork() as uow:
        call, _ = open_contact(uow, channel="voice", external_id="CA-race", caller="+84987650002", now=clock.now(),
                               line="111", state="queued")
        reference = call.reference
        uow.commit()
    _at_barrier(monkeypatch, intake_desk, "lock_contact", 2)

    def take(user: str) -> Callable[[], Any]:
        return lambda: intake_desk.take_contact(UnitOfWork(), reference=reference, now=clock.now(),
                                                who=Principal(user=user, role="operator", line="111"))

    results = _together(take("lan"), take("minh"))
    taken = [r for r in results if not isinstance(r, BaseException)]
    assert len(taken) == 1 and sum(isinstance(r, Conflict) for r in results) == 1, results
    with unit_of_work() as uow:
        row = uow.session.execute(select(IntakeContact).where(IntakeContact.reference == reference)).scalar_one()
        assert row.state == "in_progress" and row.answered_by == taken[0].answered_by


# --- an unanswered escalation call's receipt at the moment the case's holder accepts ----------------------


def test_an_unanswered_call_while_the_holder_accepts_climbs_no_further(clock, monkeypatch) -> None:
    """The chain's next contact accepts while the status callback of the call to them says "no-answer":
    the ladder stays stopped (the clock is satisfied); it does not climb on the case as it was before."""
    import workflows.escalation.ladders as ladders
    import workflows.field.commands as commands
    from workflows.clocks.models import Ladder
    from workflows.field.receipts import record_delivery

    ref = _open()
    breach(ref, clock)  # the case goes to the chain's next contacts, one per rung, then a call to the holder
    call_id, sid = climb_to_call(ref, clock, "acknowledge", to_holder=True)
    with unit_of_work() as uow:
        holder = uow.session.execute(select(OutboxMessage.to_phone).where(OutboxMessage.id == call_id)).scalar_one()
    sent_before = len(_outbox(ref, "escalation")) + len(_outbox(ref, "ladder"))
    locked = _in_turn(monkeypatch, (commands, "act"), (ladders, "ladders_of"), signal_after_read=True)
    answer, moved = _together(
        lambda: commands.handle_command(UnitOfWork(), channel="twilio", external_id="SM" + "8" * 32,
                                        from_phone=holder, text=f"NHAN {ref}"),
        _once(locked, lambda: record_delivery(UnitOfWork(), outbox_id=call_id, status="no-answer",
                                              provider_sid=sid)))
    assert isinstance(answer, str) and "Da ghi nhan" in answer, answer
    assert moved is True, moved
    assert _case(ref).state == "acknowledged" and _events(ref, "call_unanswered") == 0
    with unit_of_work() as uow:
        (ladder,) = uow.session.execute(select(Ladder)).scalars()
    assert ladder.stop_reason == "satisfied:acknowledged" and ladder.next_at is None
    assert len(_outbox(ref, "escalation")) + len(_outbox(ref, "ladder")) == sent_before


def test_a_message_posted_twice_at_once_to_an_open_conversation_is_added_once(clock, monkeypatch) -> None:
    """A provider's retry that arrives while its first delivery is still being handled: no 500 (the
    message's unique key), the message once."""
    import workflows.contacts.conversations as conversations
    from notifier.ports import InboundSms
    from workflows.contacts.models import ContactMessage
    from workflows.field.inbound_sms import receive_sms

    def text(sid: str) -> Callable[[], str | None]:
        return lambda: receive_sms(InboundSms(provider="jasmin", external_id=sid, from_phone="+84987650003",
                                              to="111", text="em o thon 3"), answer_by_sms=True)

    assert text("m-1")() is not None  # the conversation is open
    _meet_after(monkeypatch, conversations, "_open_conversation")  # a delivery that waits never reads first
    answers = _together(text("m-2"), text("m-2"))
    assert answers == [None, None], answers
    with unit_of_work() as uow:
        inbound = uow.session.execute(select(ContactMessage.external_id).where(ContactMessage.direction == "in")
                                      .order_by(ContactMessage.id)).scalars().all()
    assert inbound == ["m-1", "m-2"]


def test_a_message_while_an_operator_opens_a_case_from_its_conversation(clock, monkeypatch) -> None:
    """Already handled (a cheap guard): the sender's message waits for the conversation's row; once it has
    become a case the message opens a new conversation, as it would a moment later. Nothing lost, no 500."""
    import workflows.contacts.service as contacts
    from notifier.ports import InboundSms
    from workflows.contacts.models import ContactMessage, IntakeContact
    from workflows.field.inbound_sms import receive_sms

    def text(sid: str) -> str | None:
        return receive_sms(InboundSms(provider="jasmin", external_id=sid, from_phone="+84987650004", to="111",
                                      text="em be o xa Cam Lo"), answer_by_sms=True)

    assert text("m-1") is not None
    with unit_of_work() as uow:
        first = uow.session.execute(select(IntakeContact).where(IntakeContact.channel == "sms")).scalar_one()
    holds = threading.Event()
    real = contacts.attach_case

    def attach_case(*args: Any, **kwargs: Any) -> Any:
        holds.set()
        time.sleep(0.3)  # the message arrives while the case holds the conversation's row
        return real(*args, **kwargs)

    monkeypatch.setattr(contacts, "attach_case", attach_case)

    def message() -> str | None:
        assert holds.wait(JOIN)
        return text("m-2")

    opened, answer = _together(
        lambda: open_ticket(UnitOfWork(), report=NewReport(description="x", location="xã Cam Lộ, Quảng Trị"),
                            channel="sms", actor="lan", via="ui", contact=first.id),
        message)
    assert not isinstance(opened, BaseException) and not isinstance(answer, BaseException), (opened, answer)
    with unit_of_work() as uow:
        rows = uow.session.execute(select(IntakeContact).where(IntakeContact.channel == "sms")
                                   .order_by(IntakeContact.id)).scalars().all()
        inbound = uow.session.execute(select(ContactMessage.contact_id).where(ContactMessage.direction == "in")
                                      .order_by(ContactMessage.id)).scalars().all()
    assert [r.outcome for r in rows] == ["case", None] and inbound == [rows[0].id, rows[1].id]
