"""The access policy, pure: every role against its own and another line's, province's and commune's case."""

from __future__ import annotations

import pytest

from workflows.access.policy import (
    ROLES,
    Place,
    Principal,
    may_route,
    may_transition,
    may_view_case,
    may_view_contact,
    may_view_identity,
    may_view_statistics,
    scope_problem,
)

CAM_LO = Place(line="111", province="44", commune="19597")  # Xã Cam Lộ, Quảng Trị
HONG_BANG = Place(line="111", province="31", commune="11311")  # Phường Hồng Bàng, Hải Phòng
OTHER_LINE = Place(line="112", province="44", commune="19597")
UNROUTED = Place(line="111")  # a contact, or a case still waiting for routing

INSIDERS = {
    "operator": Principal("op", "operator", line="111"),
    "shift_lead": Principal("lead", "shift_lead", line="111"),
    "commune_officer": Principal("cb", "commune_officer", province="44", commune="19597"),
    "commune_chair": Principal("ct", "commune_chair", province="44", commune="19597"),
    "commune_police": Principal("ca", "commune_police", province="44", commune="19597"),
    "province_supervisor": Principal("gs", "province_supervisor", province="44"),
}


NEIGHBOUR = Place(line="111", province="44", commune="18880")  # another commune of the same province
# What is "somewhere else" for each role: another line for the line's people, another province for a
# supervisor, another commune (in the same province or not) for the commune's people.
OUTSIDE = {
    "operator": [OTHER_LINE], "shift_lead": [OTHER_LINE], "province_supervisor": [HONG_BANG],
    "commune_officer": [HONG_BANG, NEIGHBOUR], "commune_chair": [HONG_BANG, NEIGHBOUR],
    "commune_police": [HONG_BANG, NEIGHBOUR],
}


OWN_STEP = {"operator": "assign", "shift_lead": "assign", "province_supervisor": "assign",
            "commune_officer": "acknowledge", "commune_chair": "acknowledge", "commune_police": "acknowledge"}


@pytest.mark.parametrize("role", sorted(INSIDERS))
def test_each_role_sees_its_own_cases_and_nothing_elsewhere(role: str) -> None:
    who = INSIDERS[role]
    # a step the role takes (issue 18: an operator no longer acknowledges for the commune)
    step = OWN_STEP[role]
    assert may_view_case(who, CAM_LO) and may_view_identity(who, CAM_LO) and may_transition(who, CAM_LO, step)
    for elsewhere in OUTSIDE[role]:
        assert not may_view_case(who, elsewhere) and not may_view_identity(who, elsewhere)
        assert not may_view_contact(who, elsewhere)
        assert not may_transition(who, elsewhere, step)
        assert not may_route(who, elsewhere, to_province=elsewhere.province)
    if role in {"operator", "shift_lead"}:  # the line's people see the intake queue of their line
        assert may_view_contact(who, UNROUTED) and may_view_case(who, UNROUTED)
        assert may_view_case(who, HONG_BANG)  # anywhere in the country, on their line
    else:
        assert not may_view_contact(who, UNROUTED)  # an unrouted contact belongs to the line only


def test_routing_is_for_the_line_and_a_supervisor_within_their_province() -> None:
    assert may_route(INSIDERS["operator"], CAM_LO, to_province="31")
    assert may_route(INSIDERS["province_supervisor"], CAM_LO, to_province="44")
    assert not may_route(INSIDERS["province_supervisor"], CAM_LO, to_province="31")
    assert not may_route(INSIDERS["province_supervisor"], CAM_LO, to_province=None)
    for role in ("commune_officer", "commune_chair", "commune_police"):
        assert not may_route(INSIDERS[role], CAM_LO, to_province="44")


def test_admin_sees_cases_but_not_identities_and_moves_nothing() -> None:
    admin = Principal("root", "admin")
    assert may_view_case(admin, HONG_BANG) and may_view_case(admin, OTHER_LINE)
    assert not may_view_identity(admin, CAM_LO)
    assert not may_transition(admin, CAM_LO, "acknowledge") and not may_route(admin, CAM_LO, to_province="44")
    assert may_view_statistics(admin) and may_view_statistics(admin, province="31")


def test_it_fails_closed() -> None:
    for who in (
        Principal("x", "root"),  # unknown role
        Principal("x", "operator"),  # a line role without a line
        Principal("x", "commune_chair", province="44"),  # a commune role without a commune
        Principal("x", "commune_chair", commune="1959"),  # a malformed commune code
        Principal("x", "province_supervisor"),  # a supervisor without a province is not national
        Principal("x", ""),
    ):
        assert not may_view_case(who, CAM_LO) and not may_view_identity(who, CAM_LO)
        assert not may_transition(who, CAM_LO, "acknowledge") and not may_view_contact(who, UNROUTED)
        assert not may_view_statistics(who, province="44", commune="19597")
    assert not may_view_case(INSIDERS["province_supervisor"], Place(line=None))  # a place not yet known
    assert not may_transition(INSIDERS["operator"], CAM_LO, "")
    assert scope_problem("operator", line="111", province=None, commune=None) is None
    assert set(ROLES) == {"operator", "shift_lead", "commune_officer", "commune_chair", "commune_vice_chair",
                          "commune_police",
                          "province_supervisor", "admin"}


def test_statistics_by_scope() -> None:
    assert may_view_statistics(INSIDERS["province_supervisor"], province="44")
    assert may_view_statistics(INSIDERS["province_supervisor"], province="44", commune="19597")
    assert not may_view_statistics(INSIDERS["province_supervisor"], province="31")
    assert not may_view_statistics(INSIDERS["province_supervisor"])  # national figures
    assert may_view_statistics(INSIDERS["commune_chair"], province="44", commune="19597")
    assert not may_view_statistics(INSIDERS["commune_chair"], province="44")
    assert may_view_statistics(INSIDERS["shift_lead"], line="111")
    assert not may_view_statistics(INSIDERS["operator"], line="111")
    assert not may_view_statistics(INSIDERS["commune_police"], commune="19597")


def test_demo_secrets_are_refused_outside_the_sqlite_demo() -> None:
    from pydantic import SecretStr

    from core.settings import Settings, demo_secrets_in_use, require_real_secret

    pg = "postgresql+psycopg://hotline@db/hotline"
    demo = Settings(database_url=pg, _env_file=None, secret_key=SecretStr("dev-only-secret-change-me"),
                    twilio_auth_token=SecretStr("demo-auth-token"),
                    twilio_account_sid="ACdemo00000000000000000000000000")
    assert demo_secrets_in_use(demo) == [
        "HOTLINE_SECRET_KEY", "HOTLINE_TWILIO_AUTH_TOKEN", "HOTLINE_TWILIO_ACCOUNT_SID"]
    with pytest.raises(SystemExit, match="HOTLINE_TWILIO_AUTH_TOKEN"):
        require_real_secret(demo.model_copy(update={"secret_key": SecretStr("a-real-one")}))
    with pytest.raises(SystemExit, match="HOTLINE_TWILIO_ACCOUNT_SID"):
        require_real_secret(demo.model_copy(update={"secret_key": SecretStr("a-real-one"),
                                                    "twilio_auth_token": SecretStr("real")}))
    require_real_secret(demo.model_copy(update={"database_url": "sqlite:///demo.db"}))  # the demo runs
    sample = demo.model_copy(update={"secret_key": SecretStr("change-me-to-64-random-characters"),
                                     "twilio_auth_token": SecretStr("change-me"),
                                     "twilio_account_sid": "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    assert len(demo_secrets_in_use(sample)) == 3  # deploy/hotline.env.example's placeholders, copied as they are
    require_real_secret(demo.model_copy(update={"secret_key": SecretStr("k"), "twilio_auth_token": SecretStr("t"),
                                                "twilio_account_sid": "AC" + "1" * 32}))
