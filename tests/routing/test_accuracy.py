"""What routing decides, scored on both corpora (expected communes from the official data, never the finder).

The decision is the one production makes: `locate` and then `best_confident` with the configured
threshold. Targets (issue 7): routed wrong <= 0.5 %, sent to an operator <= 3 %, top-1 >= 98 % where
a legacy district is named.
"""

import json
from collections import Counter
from pathlib import Path

import pytest

from devtools.bench_routing import format_report, run_routing_bench
from tests.routing import make_call_notes, make_corpus, make_who_is_where
from tests.routing.official import load

HERE = Path(__file__).parent
CORPUS = HERE / "corpus.jsonl"
CALL_NOTES = HERE / "call_notes.jsonl"
WHO_IS_WHERE = HERE / "who_is_where.jsonl"


def _check_targets(report: dict[str, object]) -> None:
    shown = format_report(report) + "\n" + "\n".join(str(f) for f in report["failures"][:10])  # type: ignore[index]
    assert report["routed_wrong"] <= 0.005, shown
    assert report["operator"] <= 0.03, shown
    assert report["top1_district"] is not None and report["top1_district"] >= 0.98, shown  # type: ignore[operator]
    assert report["top1"] >= 0.98, shown  # type: ignore[operator]
    # Generous for a loaded CI machine; the target is a median well under 2 ms.
    assert report["median_ms"] < 10, shown  # type: ignore[operator]


def test_generated_corpus_decisions() -> None:
    report = run_routing_bench(CORPUS, show=False)
    assert report["texts"] >= 580
    _check_targets(report)


def test_call_notes_decisions() -> None:
    report = run_routing_bench(CALL_NOTES, show=False)
    assert report["texts"] >= 300
    # Notes with no usable place must be left to an operator, every one of them.
    assert report["no_place"] >= 20
    assert report["no_place_to_operator"] == report["no_place"], format_report(report)
    _check_targets(report)


def test_who_is_where_decisions() -> None:
    """Issue 22 item 8: the child's place beside someone else's, landmarks, Telex, special zones, unique
    names. Routed wrong <= 0.5 % of the texts, sent to an operator <= 3 % of those naming one commune."""
    report = run_routing_bench(WHO_IS_WHERE, show=False)
    shown = format_report(report) + "\n" + "\n".join(str(f) for f in report["failures"][:10])
    kinds = Counter(json.loads(line)["kind"] for line in WHO_IS_WHERE.read_text(encoding="utf-8").splitlines())
    assert kinds["two_places"] >= 100 and kinds["telex"] >= 80 and kinds["unique"] >= 50, kinds
    assert kinds["landmark"] >= 50 and kinds["special_zone"] >= 30 and kinds["child_twice"] >= 20, kinds
    assert report["routed_wrong"] <= 0.005, shown
    assert report["operator"] <= 0.03, shown
    # Two places both said to be the child's: an operator each time, shown both.
    assert report["ask"] == kinds["child_twice"]
    assert report["ask_to_operator"] == report["ask"], shown
    assert report["ask_all_shown"] == report["ask"], shown
    assert report["median_ms"] < 10, shown


def test_call_notes_cover_the_country() -> None:
    official = load()
    province_of = {c.code: c.province for c in official.new_communes}
    notes = [json.loads(line) for line in CALL_NOTES.read_text(encoding="utf-8").splitlines() if line.strip()]
    provinces = {province_of[note["expected"][0]] for note in notes if note["expected"]}
    assert len(provinces) == 34


@pytest.mark.parametrize(
    ("module", "path"),
    [(make_corpus, CORPUS), (make_call_notes, CALL_NOTES), (make_who_is_where, WHO_IS_WHERE)],
    ids=["corpus", "call_notes", "who_is_where"],
)
def test_corpora_are_what_their_generators_write(
    module: object, path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The labels come from the official tables and fixed seeds: regenerating changes nothing."""
    out = tmp_path / path.name
    monkeypatch.setattr(module, "OUT", out)
    module.main()  # type: ignore[attr-defined]
    assert out.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
