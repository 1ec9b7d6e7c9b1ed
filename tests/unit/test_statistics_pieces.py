"""Percentiles, age bands, local-date periods and the SVG chart: pure pieces of the statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime

from intake.board.charts import bar_chart
from workflows.case.age_bands import age_band
from workflows.supervision.statistics import Period, percentile


def test_percentile_interpolates_like_percentile_cont() -> None:
    assert percentile([], 0.5) is None
    assert percentile([4.0], 0.9) == 4.0
    assert percentile([5.0, 1.0, 3.0], 0.5) == 3.0
    assert abs(percentile([1.0, 3.0, 5.0], 0.9) - 4.6) < 1e-9  # type: ignore[operator]
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5


def test_age_bands_read_what_operators_type() -> None:
    assert [age_band(a) for a in ("0", "5", "6 tuổi", "khoảng 10", "11", "15", "16", "17", "18", "", None, "?")] == [
        "0-5", "0-5", "6-10", "6-10", "11-15", "11-15", "16-17", "16-17", "unknown", "unknown", "unknown", "unknown"]
    assert age_band("khoảng ²") == "unknown"  # a superscript is a digit, not an age int() can read


def test_a_period_is_vietnam_dates() -> None:
    lo, hi = Period(date(2026, 1, 1), date(2026, 6, 30)).bounds()
    assert lo == datetime(2025, 12, 31, 17, 0, tzinfo=UTC) and hi == datetime(2026, 6, 30, 17, 0, tzinfo=UTC)


def test_bar_chart_scales_and_escapes() -> None:
    svg = bar_chart({"a<b": 10, "c": 5, "zero": 0}, title="T & t")
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "a&lt;b" in svg and "T &amp; t" in svg
    assert 'width="180"' in svg and 'width="90"' in svg and 'width="0"' in svg
    assert "<script" not in svg and bar_chart({}, title="x").count("<rect") == 0


def test_export_cells_cannot_become_formulas() -> None:
    from workflows.supervision.closed_export import cell

    assert [cell(v) for v in ("=HYPERLINK(1)", "+1+1", "-A1", "@x", "Lan", None, 7, "+84901234567")] == [
        "'=HYPERLINK(1)", "'+1+1", "'-A1", "'@x", "Lan", "", "7", "+84901234567"]
