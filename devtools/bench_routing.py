"""What routing decides on a labelled corpus, and how fast (one JSON object a line: text, expected, kind).

Scored on the decision production makes, not on the candidates: the finder (`locate`) and the rule
that turns its candidates into "routed" or "needs routing" (`best_confident` with the configured
`routing_threshold`, as workflows/team/routing_step.py does). A text is routed right when the chosen
commune is one of the expected ones (an old ward that was split is right in any commune that
received part of it), routed wrong otherwise, or sent to an operator. A line with no expected
commune has no usable place: the operator is its right answer and any routing is wrong.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from core.settings import get_settings
from routing.locate import best_confident, locate, warm_up


def _names_district(line: dict[str, Any]) -> bool:
    if "district" in line:
        return bool(line["district"])
    return str(line.get("kind", "")).endswith("old") or str(line.get("kind", "")).startswith("old")


def run_routing_bench(corpus_path: str | Path, *, show: bool = True) -> dict[str, Any]:
    raw_lines = Path(corpus_path).read_text(encoding="utf-8").splitlines()
    lines = [json.loads(raw) for raw in raw_lines if raw.strip()]
    threshold = get_settings().routing_threshold
    warm_up()  # loading the gazetteer is not what we time
    outcome: Counter[str] = Counter()
    top1: Counter[str] = Counter()  # "all", "district"
    top3 = 0
    with_district = 0
    misses: Counter[str] = Counter()
    timings: list[float] = []
    failures: list[dict[str, Any]] = []
    asks: Counter[str] = Counter()
    for line in lines:
        expected = set(line["expected"])
        started = time.perf_counter()
        found = locate(line["text"])
        chosen = best_confident(found, threshold)
        timings.append((time.perf_counter() - started) * 1000)
        codes = [c.commune_code for c in found]
        ask = set(line.get("ask", ()))  # places no one can tell apart: an operator, shown every one
        if ask:
            result = "ask_operator" if chosen is None else "wrong"
            asks["lines"] += 1
            asks["to_operator"] += chosen is None
            asks["all_shown"] += ask <= set(codes)
        elif chosen is None:
            result = "operator" if expected else "no_place_operator"
        elif chosen.commune_code in expected:
            result = "right"
        else:
            result = "wrong"
        outcome[result] += 1
        if expected:
            hit = bool(codes[:1]) and codes[0] in expected
            top1["all"] += hit
            top3 += bool(expected & set(codes[:3]))
            if _names_district(line):
                with_district += 1
                top1["district"] += hit
        if result in ("operator", "wrong"):
            misses[f"{line.get('kind', '?')}:{result}"] += 1
            failures.append(
                {
                    "text": line["text"], "expected": sorted(expected), "result": result,
                    "got": [(c.commune_code, c.commune, c.confidence) for c in found[:3]],
                }
            )  # fmt: skip
    timings.sort()
    placed_lines = sum(1 for line in lines if line["expected"])
    placed = placed_lines or 1
    report = {
        "texts": len(lines),
        "with_place": placed,
        "threshold": threshold,
        "routed_right": outcome["right"] / placed,
        "routed_wrong": outcome["wrong"] / (len(lines) or 1),
        "operator": outcome["operator"] / placed,
        "no_place": len(lines) - placed_lines - asks["lines"],
        "ask": asks["lines"],
        "ask_to_operator": asks["to_operator"],
        "ask_all_shown": asks["all_shown"],
        "no_place_to_operator": outcome["no_place_operator"],
        "top1": top1["all"] / placed,
        "top1_district": top1["district"] / with_district if with_district else None,
        "with_district": with_district,
        "top3": top3 / placed,
        "median_ms": statistics.median(timings) if timings else 0.0,
        "p99_ms": timings[min(len(timings) - 1, int(len(timings) * 0.99))] if timings else 0.0,
        "misses_by_kind": dict(sorted(misses.items())),
        "failures": failures,
    }
    if show:
        print(format_report(report))
    return report


def format_report(report: dict[str, Any]) -> str:
    district = report["top1_district"]
    lines = [
        f"Số văn bản / texts: {report['texts']} ({report['with_place']} có địa điểm / with a place,"
        f" {report['no_place']} không / without); ngưỡng / threshold {report['threshold']}",
        f"Chuyển đúng / routed right: {report['routed_right']:.2%}",
        f"Chuyển sai / routed wrong: {report['routed_wrong']:.2%}",
        f"Chuyển tư vấn viên / sent to an operator: {report['operator']:.2%}",
        f"Đúng hạng 1 / top-1: {report['top1']:.2%}; có huyện cũ / a legacy district named: "
        + (f"{district:.2%} of {report['with_district']}" if district is not None else "-")
        + f"; top-3: {report['top3']:.2%}",
        f"Thời gian trung vị / median: {report['median_ms']:.2f} ms; p99: {report['p99_ms']:.2f} ms",
    ]
    if report["no_place"]:
        lines.append(
            f"Không có địa điểm, để tư vấn viên / no place, left to an operator:"
            f" {report['no_place_to_operator']} of {report['no_place']}"
        )
    if report.get("ask"):
        lines.append(
            f"Hai nơi không phân biệt được, để tư vấn viên / two places no one can tell apart, left to an"
            f" operator: {report['ask_to_operator']} of {report['ask']}, both shown in {report['ask_all_shown']}"
        )
    if report["misses_by_kind"]:
        misses = ", ".join(f"{kind}={n}" for kind, n in report["misses_by_kind"].items())
        lines.append(f"Sai hoặc chuyển tư vấn viên theo loại / misses by kind: {misses}")
    return "\n".join(lines)
