"""decide_route / override: pure, with hand-made teams."""

import json

from routing.locate import Candidate
from routing.rules import decide_route, override
from routing.views import ContactView, SupervisorView, TeamView

CAM_LO = Candidate("19597", "Xã Cam Lộ", "44", "Tỉnh Quảng Trị", 0.97, "xã Cam Lộ")
HONG_HA = Candidate("00097", "Phường Hồng Hà", "01", "Thành phố Hà Nội", 0.9, "phường Hồng Hà")
SUPERVISORS = [SupervisorView(7, "44", "Sở Y tế", "+84233000000", 1)]


def team(team_id: int = 1, code: str = "19597", name: str = "Xã Cam Lộ", province: str = "44") -> TeamView:
    return TeamView(
        team_id,
        code,
        name,
        province,
        "Tỉnh Quảng Trị",
        (
            ContactView(11, "A", "", "+84912000001", "child_protection_officer", 10),
            ContactView(12, "B", "", "+84912000002", "commune_chair", 20),
            ContactView(13, "C", "", "+84912000003", "commune_police", 30),
            ContactView(14, "D", "Tân Xuân", "+84912000004", "village_collaborator", 50),
            ContactView(15, "E", "Thôn 3", "+84912000005", "village_collaborator", 50),
        ),
    )


def test_routed_to_the_commune_where_it_happened() -> None:
    d = decide_route(
        happened=CAM_LO,
        category="violence",
        immediate_danger=False,
        village=None,
        team=team(),
        supervisors=SUPERVISORS,
    )
    assert d.status == "routed" and d.commune_code == "19597" and d.team_id == 1
    assert [r.contact_id for r in d.recipients] == [11, 12, 13, None]
    assert d.recipients[-1].supervisor_id == 7
    assert [r.order for r in d.recipients] == [1, 2, 3, 4]
    assert "Điều 26" in d.reasons[0]


def test_sexual_abuse_and_danger_bring_the_police_forward() -> None:
    for category, danger in (("sexual_abuse", False), ("trafficking", False), ("neglect", True)):
        d = decide_route(
            happened=CAM_LO,
            category=category,
            immediate_danger=danger,
            village=None,
            team=team(),
            supervisors=SUPERVISORS,
        )
        assert [r.role for r in d.recipients][:2] == ["child_protection_officer", "commune_police"]


def test_village_collaborator_added_when_village_matches() -> None:
    d = decide_route(
        happened=CAM_LO,
        category=None,
        immediate_danger=False,
        village="thôn Tân Xuân",
        team=team(),
        supervisors=SUPERVISORS,
    )
    assert 14 in [r.contact_id for r in d.recipients] and 15 not in [r.contact_id for r in d.recipients]


def test_no_team_goes_to_supervisor_and_unknown_needs_routing() -> None:
    d = decide_route(
        happened=CAM_LO,
        category=None,
        immediate_danger=False,
        village=None,
        team=None,
        supervisors=SUPERVISORS,
    )
    assert d.status == "to_supervisor" and [r.supervisor_id for r in d.recipients] == [7]
    none = decide_route(
        happened=CAM_LO, category=None, immediate_danger=False, village=None, team=None, supervisors=[]
    )
    assert none.status == "needs_routing"
    unknown = decide_route(
        happened=None, category=None, immediate_danger=False, village=None, team=None, supervisors=SUPERVISORS
    )
    assert unknown.status == "needs_routing" and unknown.recipients == ()


def test_home_commune_informed_and_json() -> None:
    d = decide_route(
        happened=CAM_LO,
        lives=HONG_HA,
        category=None,
        immediate_danger=False,
        village=None,
        team=team(),
        home_team=None,
        supervisors=SUPERVISORS,
    )
    assert d.informed == ("00097",)
    data = json.loads(json.dumps(d.to_dict(), ensure_ascii=False))
    assert data["recipients"][0]["phone"] == "+84912000001" and data["status"] == "routed"


def test_override_records_reason_and_operator() -> None:
    d = decide_route(
        happened=None, category=None, immediate_danger=False, village=None, team=None, supervisors=SUPERVISORS
    )
    other = team(2, "19600", "Xã Khác")
    o = override(d, team=other, reason="người gọi xác nhận địa chỉ", operator="op-17")
    assert o.status == "routed" and o.team_id == 2 and o.commune_code == "19600"
    assert o.overridden_by == "op-17" and "người gọi xác nhận địa chỉ" in o.reasons[-1]
    assert [r.contact_id for r in o.recipients] == [11, 12, 13]
