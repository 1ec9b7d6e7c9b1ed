"""Pure: the facts each trigger takes, and a commune as a person names it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from intake.api.problems import in_vietnamese
from workflows.case.facts import Assessment, Facts, parse_facts
from workflows.case.machine import TRIGGERS


def test_every_trigger_has_a_facts_model_that_refuses_strangers() -> None:
    for trigger in TRIGGERS:
        with pytest.raises(ValidationError):
            parse_facts(trigger, {"actor": "someone-else", "via": "system", "now": "2020-01-01"})


def test_the_facts_a_guard_needs() -> None:
    assert parse_facts("report_assessment", {"risk_level": "low"}) == Assessment(risk_level="low")
    assert parse_facts("acknowledge", None) == Facts()
    assert parse_facts("draft_plan", {"plan": "  Mẫu 04  "}).as_guard_facts() == {"plan": "Mẫu 04"}
    for bad in ({"risk_level": [1]}, {"risk_level": "HIGH"}, {}):
        with pytest.raises(ValidationError):
            parse_facts("report_assessment", bad)
    with pytest.raises(ValidationError):
        parse_facts("separate", {"decision": "x\x00"})


def test_choices_read_as_vietnamese() -> None:
    assert in_vietnamese("'female', 'male' or 'unknown'") == "nữ (female), nam (male) hoặc không rõ (unknown)"
    assert in_vietnamese("'high'") == "cao (high)"


def test_a_commune_by_name_code_or_with_its_province() -> None:
    from intake.cli.commune_query import find_communes, suggestions
    from routing.gazetteer import load

    g = load()
    for query in ("Xã Cam Lộ", "cam lo", "XA CAM LO", "Cam Lộ, Quảng Trị", "19597", "Phường Cam Lộ"):
        assert [c.code for c in find_communes(query, g)] == ["19597"], query
    shared = find_communes("Tân Thành", g)
    assert len(shared) > 5 and all(c.short == "Tân Thành" for c in shared)  # not "Tân Thanh" nor "Tân Thạnh"
    assert len(find_communes("tan thanh", g)) > len(shared)
    assert find_communes("Cam Lộ, Hà Nội", g) == [] and find_communes("99999", g) == []
    assert [c.code for c in suggestions("Cam Loo", g)] == ["19597"]
