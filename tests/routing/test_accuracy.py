"""The location finder on the labelled corpus (expected communes from the official conversion table)."""

from pathlib import Path

from devtools.bench_routing import format_report, run_routing_bench

CORPUS = Path(__file__).with_name("corpus.jsonl")


def test_corpus_accuracy_and_speed() -> None:
    report = run_routing_bench(CORPUS, show=False)
    assert report["texts"] >= 400
    assert report["top1"] >= 0.98, format_report(report) + f"\n{report['failures'][:10]}"
    assert report["top3"] >= 0.995, format_report(report)
    # Generous for slow CI machines; the target is a median under 2 ms.
    assert report["median_ms"] < 10, format_report(report)
