"""Pure parts of the intake desk: the event-stream framing, the taxonomy file, the urgency rule, T0."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intake.console.desk import sse
from intake.console.texts import EN, VI
from workflows.case.intake_record import first_receipt
from workflows.case.reports import NewReport
from workflows.case.taxonomy import load


def test_an_event_carries_every_line_of_the_fragment() -> None:
    assert sse("<p>a</p>\n<p>b</p>") == "event: queue\ndata: <p>a</p>\ndata: <p>b</p>\n\n"
    assert sse("") == "event: queue\ndata: \n\n"


def test_the_taxonomy_is_versioned_with_unique_codes_and_both_languages() -> None:
    tax = load()
    assert tax.version
    for kind in ("categories", "special_circumstances", "outcomes", "counselling_topics"):
        terms = getattr(tax, kind)
        assert len({t.code for t in terms}) == len(terms)
        assert all(t.vi and t.en for t in terms)
    assert len(tax.special_circumstances) == 14
    assert tax.label("categories", "violence", "en") == "Violence"


def test_danger_or_a_caregiver_abuser_is_an_emergency() -> None:
    assert NewReport(description="x", abuser_is_caregiver=True).urgency == "emergency"
    assert NewReport(description="x", immediate_danger=True).urgency == "emergency"
    assert NewReport(description="x", category="violence").urgency == "high"


def test_t0_is_the_earlier_receipt_and_never_in_the_future() -> None:
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    assert first_receipt(NewReport(description="x"), now=now) == now
    earlier = now - timedelta(hours=3)
    assert first_receipt(NewReport(description="x", received_elsewhere_at=earlier), now=now) == earlier
    later = now + timedelta(hours=1)
    assert first_receipt(NewReport(description="x", received_elsewhere_at=later), now=now) == now


def test_every_console_text_exists_in_both_languages() -> None:
    assert VI.keys() == EN.keys()
