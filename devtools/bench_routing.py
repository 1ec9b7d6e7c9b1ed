"""Accuracy and speed of `locate` on a labelled corpus (one JSON object a line: text, expected, kind)."""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from routing.locate import locate, warm_up


def run_routing_bench(corpus_path: str | Path, *, show: bool = True) -> dict[str, Any]:
    raw_lines = Path(corpus_path).read_text(encoding="utf-8").splitlines()
    lines = [json.loads(raw) for raw in raw_lines if raw.strip()]
    warm_up()  # loading the gazetteer is not what we time
    top1 = top3 = 0
    misses: Counter[str] = Counter()
    timings: list[float] = []
    failures: list[dict[str, Any]] = []
    for line in lines:
        expected = set(line["expected"])
        started = time.perf_counter()
        found = locate(line["text"])
        timings.append((time.perf_counter() - started) * 1000)
        codes = [c.commune_code for c in found]
        if codes[:1] and codes[0] in expected:
            top1 += 1
        else:
            misses[line.get("kind", "?")] += 1
            failures.append({"text": line["text"], "expected": sorted(expected), "got": codes[:3]})
        top3 += bool(expected & set(codes[:3]))
    timings.sort()
    total = len(lines) or 1
    report = {
        "texts": len(lines),
        "top1": top1 / total,
        "top3": top3 / total,
        "median_ms": statistics.median(timings) if timings else 0.0,
        "p99_ms": timings[min(len(timings) - 1, int(len(timings) * 0.99))] if timings else 0.0,
        "misses_by_kind": dict(misses),
        "failures": failures,
    }
    if show:
        print(format_report(report))
    return report


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"Số văn bản / texts: {report['texts']}",
        f"Đúng hạng 1 / top-1: {report['top1']:.2%}",
        f"Trong 3 đầu / top-3: {report['top3']:.2%}",
        f"Thời gian trung vị / median: {report['median_ms']:.2f} ms; p99: {report['p99_ms']:.2f} ms",
    ]
    if report["misses_by_kind"]:
        misses = ", ".join(f"{kind}={n}" for kind, n in report["misses_by_kind"].items())
        lines.append(f"Sai theo loại / misses by kind: {misses}")
    return "\n".join(lines)
