"""The commune pages' pure parts: the forms' facts (Mẫu 02 to 07), reading a posted form, the record as
people read it, the access of the child's home commune, and where a sign-in may go next."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from intake.commune.code_signin import safe_next
from intake.commune.forms import BAD_CHOICE, chairs_decision, may_fill, read_form
from intake.commune.officer_texts import officer_texts
from intake.commune.record_view import describe
from workflows.access.policy import (
    Place,
    Principal,
    may_transition,
    may_view_case,
    may_view_identity,
    may_view_statistics,
)
from workflows.case.facts import AREAS, DetailedAssessment, DraftPlan, parse_facts

SERVICE = {"service": "Khám", "starts_on": "2026-11-21", "ends_on": "2026-11-28", "responsible": "Trạm y tế"}


def test_the_api_minimum_still_moves_a_case() -> None:
    assert parse_facts("report_assessment", {"risk_level": "high"}).as_guard_facts() == {"risk_level": "high"}
    assert parse_facts("draft_plan", {"plan": "Mẫu 04"}).as_guard_facts() == {"plan": "Mẫu 04"}
    assert parse_facts("begin_detailed_assessment", {}).as_guard_facts() == {}
    assert parse_facts("reassess_separation", {}).as_guard_facts() == {}


def test_a_plan_line_is_checked_and_dates_are_kept_as_iso_text() -> None:
    plan = parse_facts("draft_plan", {"plan": "Mục tiêu", "services": [{**SERVICE, "cost_vnd": 1500000}]})
    assert isinstance(plan, DraftPlan) and plan.total_cost_vnd == 1500000
    assert plan.as_guard_facts()["services"][0]["starts_on"] == "2026-11-21"
    for wrong in ({"ends_on": "2026-11-01"}, {"cost_vnd": -1}, {"cost_vnd": 10**13}, {"service": " "},
                  {"starts_on": "31/02/2026"}, {"surprise": "x"}):
        with pytest.raises(ValidationError):
            parse_facts("draft_plan", {"plan": "Mục tiêu", "services": [{**SERVICE, **wrong}]})
    with pytest.raises(ValidationError):
        parse_facts("draft_plan", {"plan": "x", "services": [SERVICE] * 31})


def test_the_detailed_assessment_knows_the_eight_areas_of_art_27() -> None:
    assert len(AREAS) == 8
    found = parse_facts("begin_detailed_assessment", {"areas": {a: {"concern": "some"} for a in AREAS},
                                                      "conference": {"held_on": "2026-11-22", "chaired_by": "Chủ tịch",
                                                                     "participants": "Đội", "conclusions": "Lập KH"}})
    assert isinstance(found, DetailedAssessment) and set(found.areas) == set(AREAS)
    with pytest.raises(ValidationError):
        parse_facts("begin_detailed_assessment", {"areas": {"school": {"concern": "some"}}})
    with pytest.raises(ValidationError):
        parse_facts("begin_detailed_assessment", {"areas": {"family": {"concern": "worried"}}})
    with pytest.raises(ValidationError):
        parse_facts("separate", {"decision": "12/QĐ", "actor_role": "commune_chair"})  # the role is never a fact


def test_a_posted_plan_reads_money_and_dates_as_people_type_them_and_skips_empty_lines() -> None:
    posted = read_form("draft_plan", {
        "plan": " Cháu an toàn ", "svc-0-service": "Khám", "svc-0-starts_on": "21/11/2026",
        "svc-0-ends_on": "2026-11-28", "svc-0-responsible": "Trạm y tế", "svc-0-cost_vnd": "1.500.000 đ",
        "svc-2-service": "", "svc-2-provider": " "})
    assert posted.ok and isinstance(posted.facts, DraftPlan)
    assert posted.facts.plan == "Cháu an toàn" and len(posted.facts.services) == 1
    assert posted.facts.services[0].cost_vnd == 1500000 and posted.facts.services[0].starts_on.day == 21


def test_a_posted_form_says_what_is_wrong_field_by_field() -> None:
    posted = read_form("draft_plan", {"plan": "", "svc-1-service": "Tư vấn", "svc-1-starts_on": "2026-12-02",
                                      "svc-1-ends_on": "2026-12-01", "svc-1-cost_vnd": "năm triệu"})
    assert posted.errors == {
        "plan": ("Mục này bắt buộc", "This field is required"),
        "svc-1-ends_on": ("Ngày kết thúc trước ngày bắt đầu", "The end date is before the start date"),
        "svc-1-responsible": ("Mục này bắt buộc", "This field is required"),
        "svc-1-cost_vnd": ("Số tiền không hợp lệ (đồng, ví dụ 1.500.000)", "Not an amount in đồng (e.g. 1,500,000)"),
    }
    assert "svc-0-service" in read_form("draft_plan", {"plan": "x"}).errors  # no line at all
    assert set(read_form("reject_plan", {}).errors) == {"reason"}
    assert read_form("report_assessment", {"risk_level": "extreme"}).errors["risk_level"][0].startswith("Vui lòng chọn")
    assert read_form("approve_plan", {}).ok and read_form("acknowledge", {}).ok
    assert not read_form("merge_duplicate", {}).ok  # not a commune form


def test_the_record_reads_in_vietnamese() -> None:
    t = officer_texts("vi")
    rows = dict(describe({"risk_level": "high", "harm": "serious", "child_safe_now": False,
                          "services": [{**SERVICE, "cost_vnd": 1500000}], "reason": "Thiếu"}, t))
    assert rows["Mức độ nguy cơ"] == ["Cao"] and rows["Mức độ tổn hại"] == ["Nghiêm trọng"]
    assert rows["Trẻ hiện đã an toàn?"] == ["Không"] and rows["Lý do"] == ["Thiếu"]
    separation = dict(describe({"decision": "12/QĐ", "starts_on": "2026-11-21", "safe_place": "Nhà bà"}, t))
    assert separation["Rà soát chậm nhất"] == ["06/12/2026"]
    assert rows["Dịch vụ, công việc"] == ["Khám · 21/11/2026–28/11/2026 · Trạm y tế · 1.500.000 đ",
                                           "Tổng kinh phí: 1.500.000 đ"]


def test_the_commune_where_the_child_lives_sees_the_case_and_takes_part() -> None:
    case = Place(line="111", province="44", commune="19597", home_commune="22255")
    home = Principal("xa-5", "commune_officer", commune="22255", province="66")
    there = Principal("xa-1", "commune_chair", commune="19597", province="44")
    other = Principal("xa-9", "commune_officer", commune="11311", province="31")
    for who in (home, there):
        step = "draft_plan" if who.role == "commune_officer" else "approve_plan"  # worker drafts, chair approves
        assert may_view_case(who, case) and may_view_identity(who, case) and may_transition(who, case, step)
    assert not may_view_case(other, case) and not may_transition(other, case, "acknowledge")
    assert not may_view_case(home, Place(line="111", province="44", commune="19597"))  # no home commune: no sight
    assert not may_view_case(Principal("gs", "province_supervisor", province="66"), case)  # province: where it happened
    assert not may_view_statistics(home, commune="19597")


@pytest.mark.parametrize("wanted", ["//evil.example/x", "https://evil.example", "/xa/ca/TE1?x=1", "/xa/../dang-nhap",
                                    "/xa/ca/", None, "/ca/TE123"])
def test_a_sign_in_goes_on_only_to_a_commune_case_page(wanted: str | None) -> None:
    assert safe_next(wanted) == "/xa"


def test_a_sign_in_goes_on_to_the_case_asked_for() -> None:
    assert safe_next("/xa/ca/TEYUU7QHN") == "/xa/ca/TEYUU7QHN"


def test_the_emergency_form_asks_what_by_whom_and_when_in_vietnam_time() -> None:
    # NĐ 56/2017 Art. 31: the measure is recorded with the emergency protection
    empty = read_form("start_emergency", {})
    assert set(empty.errors) == {"measure", "taken_by", "taken_at"}
    bad = read_form("start_emergency", {"measure": "Đưa cháu đến trạm y tế", "taken_by": "Công an xã",
                                        "taken_at": "hôm qua"})
    assert set(bad.errors) == {"taken_at"}
    ok = read_form("start_emergency", {"measure": "Đưa cháu đến trạm y tế", "taken_by": "Công an xã",
                                       "taken_at": "20/11/2026 22:15"})
    assert ok.ok and ok.facts is not None
    assert ok.facts.model_dump()["taken_at"].isoformat() == "2026-11-20T15:15:00+00:00"


def test_a_separation_has_its_end_within_15_days_and_an_extension_its_new_end() -> None:
    base = {"decision": "12/QĐ", "starts_on": "2026-11-21", "safe_place": "Nhà bà", "carer": "Bà", "grounds": "Cha"}
    assert set(read_form("separate", base).errors) == {"ends_on"}
    assert read_form("separate", {**base, "ends_on": "2026-12-07"}).errors["ends_on"][1].startswith(
        "A temporary separation lasts at most 15 days")
    assert read_form("separate", {**base, "ends_on": "2026-11-20"}).errors["ends_on"][1].startswith("The end date")
    ok = read_form("separate", {**base, "ends_on": "2026-12-06", "family_refused_plan": "yes"})
    assert ok.ok and ok.facts is not None and ok.facts.model_dump()["family_refused_plan"] is True
    assert set(read_form("extend_separation", {}).errors) == {"decision", "ends_on"}
    assert read_form("extend_separation", {"decision": "13/QĐ", "ends_on": "06/12/2026"}).ok
    assert set(read_form("revoke_separation", {}).errors) == {"reason"}


def test_closing_without_a_plan_needs_its_grounds_and_a_reason() -> None:
    assert set(read_form("close_without_plan", {}).errors) == {"grounds", "reason"}
    assert read_form("close_without_plan", {"grounds": "adult", "reason": "x"}).errors == {"grounds": BAD_CHOICE}
    assert read_form("close_without_plan", {"grounds": "moved_away", "reason": "Cả nhà chuyển vào Nam"}).ok


@pytest.mark.parametrize(("role", "trigger", "may"), [
    ("commune_officer", "separate", False), ("commune_chair", "separate", True),
    ("commune_vice_chair", "separate", True), ("commune_vice_chair", "approve_closure", True),
    ("commune_police", "approve_plan", False), ("commune_police", "start_emergency", True),
    ("commune_chair", "draft_plan", False), ("commune_officer", "draft_plan", True),
    ("commune_officer", "close_without_plan", False), ("commune_chair", "close_without_plan", True),
    ("commune_officer", "extend_separation", False), ("commune_vice_chair", "revoke_separation", True),
])
def test_who_sees_a_form_is_the_workflow_table_s_who(role: str, trigger: str, may: bool) -> None:
    # the chair's decisions (Art. 28(3), 30(1)b, 32) by role, from the table: no list of the pages' own
    assert may_fill(role, trigger) is may
    assert chairs_decision(trigger) is (trigger in {"separate", "extend_separation", "revoke_separation",
                                                    "approve_plan", "reject_plan", "approve_closure",
                                                    "reject_closure", "close_without_plan"})


def test_the_record_shows_the_measure_s_time_and_who_signed_for_the_chair_in_words() -> None:
    t = officer_texts("vi")
    rows = dict(describe({"measure": "Đưa cháu đi", "taken_at": "2026-11-20T15:15:00+00:00",
                          "acting_for": "commune_chair"}, t))
    assert rows[t["taken_at"]] == ["20/11/2026 22:15"] and rows[t["acting_for"]] == ["KT. Chủ tịch UBND xã"]
