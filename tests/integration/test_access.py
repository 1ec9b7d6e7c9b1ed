"""Access through the API: a case you may not see is a 404 like a missing one, and the attempt is
audited; identities need their own permission and their own audit record; bad tokens are 401."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.db import UnitOfWork, unit_of_work
from intake.people import tokens, users
from intake.people.auth import issue_token
from workflows.access.models import AccessDenial
from workflows.case.models import Case, CaseRead

CAM_LO = "xã Cam Lộ, Quảng Trị"  # commune 19597, province 44, on line 111
CHILD = "Lê Thị Mai"

# Someone of each role, in the case's place, and somewhere else.
INSIDE = {
    "operator": ("op-111", "operator", None, None),
    "shift_lead": ("lead-111", "shift_lead", None, None),
    "commune_officer": ("cb-camlo", "commune_officer", None, "19597"),
    "commune_chair": ("ct-camlo", "commune_chair", None, "19597"),
    "commune_police": ("ca-camlo", "commune_police", None, "19597"),
    "province_supervisor": ("gs-qt", "province_supervisor", "44", None),
}
OUTSIDE = {  # another line (the case moves to line 112 for these), another province, another commune (also in 44)
    "operator": ("op-112", "operator", None, None),
    "shift_lead": ("lead-112", "shift_lead", None, None),
    "commune_officer": ("cb-hb", "commune_officer", None, "11311"),
    "commune_chair": ("ct-dongh", "commune_chair", None, "18880"),
    "commune_police": ("ca-hb", "commune_police", None, "11311"),
    "province_supervisor": ("gs-hp", "province_supervisor", "31", None),
}


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _token_for(spec: tuple[str, str, str | None, str | None], line: str | None = None) -> dict[str, str]:
    name, role, province, commune = spec
    return _bearer(issue_token(name, role, province, commune, line=line))


def _report(client) -> tuple[str, int]:
    response = client.post("/api/v1/reports", json={"description": "Trẻ bị đánh", "location": CAM_LO,
                                                    "child_name": CHILD, "reporter_name": "Người hàng xóm"})
    assert response.status_code == 201, response.text
    reference = response.json()["reference"]
    with unit_of_work() as uow:
        case_id = uow.session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
    return reference, case_id


def _denials() -> list[tuple[str, str, str, int | None, str]]:
    with unit_of_work() as uow:
        rows = uow.session.execute(select(AccessDenial).order_by(AccessDenial.id)).scalars().all()
        return [(d.principal, d.role, d.object_kind, d.object_id, d.action) for d in rows]


def _reads() -> list[tuple[str, str]]:
    with unit_of_work() as uow:
        return [(r.reader, r.purpose) for r in uow.session.execute(select(CaseRead).order_by(CaseRead.id)).scalars()]


def _same_as_missing(client, response, reference: str, headers: dict[str, str]) -> None:
    """Byte for byte what a reference that does not exist gets (the reference itself aside)."""
    missing = client.get("/api/v1/cases/TEXXXXXXX", headers=headers)
    assert response.status_code == missing.status_code == 404
    assert response.headers["content-type"] == missing.headers["content-type"] == "application/problem+json"
    assert response.text.replace(reference, "?") == missing.text.replace("TEXXXXXXX", "?")


@pytest.mark.parametrize("role", sorted(OUTSIDE))
def test_each_role_gets_404_for_a_case_elsewhere_and_the_attempt_is_audited(client, role: str) -> None:
    reference, case_id = _report(client)
    spec = OUTSIDE[role]
    if role in {"operator", "shift_lead"}:
        who = _token_for(spec, line="111")
        with unit_of_work() as uow:  # the case belongs to another line
            uow.session.execute(update(Case).where(Case.id == case_id).values(line="112"))
            uow.commit()
    else:
        who = _token_for(spec)
    _same_as_missing(client, client.get(f"/api/v1/cases/{reference}", headers=who), reference, who)
    _same_as_missing(client, client.get(f"/api/v1/cases/{reference}?identity=true", headers=who), reference, who)
    moved = client.post(f"/api/v1/cases/{reference}/transitions", headers=who, json={"trigger": "acknowledge"})
    _same_as_missing(client, moved, reference, who)
    routed = client.post(f"/api/v1/cases/{reference}/route", headers=who,
                         json={"commune_code": "11311", "reason": "thử chuyển"})
    _same_as_missing(client, routed, reference, who)
    listed = client.get("/api/v1/cases?state=assigned", headers=who).json()["items"]
    assert reference not in {c["reference"] for c in listed}
    assert _denials() == [(spec[0], spec[1], "case", case_id, action)
                          for action in ("view", "identity", "transition:acknowledge", "route")]
    assert _reads() == []  # nothing was read
    with unit_of_work() as uow:
        assert uow.session.execute(select(Case.state).where(Case.id == case_id)).scalar_one() == "assigned"


@pytest.mark.parametrize("role", sorted(INSIDE))
def test_each_role_sees_its_own_case_and_an_identity_view_is_its_own_record(client, role: str) -> None:
    reference, _ = _report(client)
    spec = INSIDE[role]
    who = _token_for(spec)
    plain = client.get(f"/api/v1/cases/{reference}", headers=who)
    assert plain.status_code == 200 and "identity" not in plain.json() and CHILD not in plain.text
    full = client.get(f"/api/v1/cases/{reference}?identity=true", headers=who)
    assert full.status_code == 200 and full.json()["identity"]["child_name"] == CHILD
    assert _reads() == [(spec[0], "case_view"), (spec[0], "case_view"), (spec[0], "identity_view")]
    listed = client.get("/api/v1/cases?state=assigned", headers=who).json()["items"]
    assert reference in {c["reference"] for c in listed}
    assert _denials() == []


def test_admin_sees_the_case_but_not_the_identity_and_moves_nothing(client) -> None:
    reference, case_id = _report(client)
    admin = _bearer(issue_token("quantri", "admin"))
    assert client.get(f"/api/v1/cases/{reference}", headers=admin).status_code == 200
    refused = client.get(f"/api/v1/cases/{reference}?identity=true", headers=admin)
    assert refused.status_code == 403 and CHILD not in refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    moved = client.post(f"/api/v1/cases/{reference}/transitions", headers=admin, json={"trigger": "acknowledge"})
    assert moved.status_code == 403
    assert _reads() == [("quantri", "case_view")]
    assert _denials() == [("quantri", "admin", "identity", case_id, "identity"),
                          ("quantri", "admin", "case", case_id, "transition:acknowledge")]


def test_a_supervisor_routes_only_within_their_province(client) -> None:
    reference, case_id = _report(client)
    sup = _token_for(INSIDE["province_supervisor"])
    away = client.post(f"/api/v1/cases/{reference}/route", headers=sup,
                       json={"commune_code": "11311", "reason": "sang Hải Phòng"})
    assert away.status_code == 403
    assert _denials() == [("gs-qt", "province_supervisor", "case", case_id, "route")]
    chair = _token_for(INSIDE["commune_chair"])
    assert client.post(f"/api/v1/cases/{reference}/route", headers=chair,
                       json={"commune_code": "19597", "reason": "giữ"}).status_code == 403


def test_expired_revoked_tampered_and_malformed_tokens_are_refused(client, frozen_clock) -> None:
    reference, _ = _report(client)
    url = f"/api/v1/cases/{reference}"
    users.add_user(UnitOfWork(), username="lan", role="operator", password=None)
    short = tokens.issue(UnitOfWork(), username="lan", lifetime=timedelta(hours=1)).token
    kept = tokens.issue(UnitOfWork(), username="lan", lifetime=timedelta(days=30))
    assert client.get(url, headers=_bearer(short)).status_code == 200
    frozen_clock.advance(timedelta(hours=1, seconds=1))
    expired = client.get(url, headers=_bearer(short))
    assert expired.status_code == 401 and expired.headers["content-type"] == "application/problem+json"
    assert client.get(url, headers=_bearer(kept.token)).status_code == 200

    other = tokens.issue(UnitOfWork(), username="lan", lifetime=timedelta(days=30)).token
    tokens.revoke(UnitOfWork(), token_id=kept.token_id)  # one by one: the other token still works
    assert client.get(url, headers=_bearer(kept.token)).status_code == 401
    assert client.get(url, headers=_bearer(other)).status_code == 200

    prefix, kid, tid, exp, nonce, sig = other.split(".")
    tampered = [
        f"{prefix}.{kid}.{tid}.{exp}.{nonce}.{sig[:-1]}{'A' if sig[-1] != 'A' else 'B'}",  # signature
        f"{prefix}.{kid}.{tid}.{int(exp) + 86400}.{nonce}.{sig}",  # a longer life
        f"{prefix}.{kid}.{int(tid) + 1}.{exp}.{nonce}.{sig}",  # someone else's row
        f"{prefix}.00000000.{tid}.{exp}.{nonce}.{sig}",  # another key
        other + "x",
    ]
    for token in tampered:
        assert client.get(url, headers=_bearer(token)).status_code == 401, token
    for header in (b"Bearer x.\xff", b"Bearer \xc3\xa9t\xc3\xa9", "Bearer " + "a" * 20000, "Bearer", "Basic Zm9v",
                   "Bearer " + "b" * 80 + "|operator||", "Bearer hl1." + "." * 5):
        refused = client.get(url, headers={"authorization": header})
        assert refused.status_code == 401, header
        assert refused.headers["content-type"] == "application/problem+json"


def test_user_names_over_64_characters_never_reach_a_read(client) -> None:
    from core.errors import InvalidInput

    reference, _ = _report(client)
    with pytest.raises(InvalidInput):
        issue_token("n" * 80, "operator")
    long_claims = "Bearer " + "bi" * 60 + ".deadbeef"  # the old token shape with a long name
    assert client.get(f"/api/v1/cases/{reference}", headers={"authorization": long_claims}).status_code == 401
    name = "n" * 64  # the longest name there is still reads and is audited
    assert client.get(f"/api/v1/cases/{reference}", headers=_bearer(issue_token(name, "operator"))).status_code == 200
    assert _reads() == [(name, "case_view")]


def test_a_disabled_user_loses_every_token_and_the_role_comes_from_the_user_not_the_token(client) -> None:
    reference, _ = _report(client)
    token = issue_token("hoa", "province_supervisor", "44")
    assert client.get(f"/api/v1/cases/{reference}", headers=_bearer(token)).status_code == 200
    with unit_of_work() as uow:  # moved to another province: the same token now sees only that province
        from workflows.access.models import User

        uow.session.execute(update(User).where(User.username == "hoa").values(province_code="31"))
        uow.commit()
    assert client.get(f"/api/v1/cases/{reference}", headers=_bearer(token)).status_code == 404
    users.disable_user(UnitOfWork(), username="hoa")
    assert client.get(f"/api/v1/cases/{reference}", headers=_bearer(token)).status_code == 401


def test_cli_users_and_tokens(client) -> None:
    from typer.testing import CliRunner

    from intake.cli import app

    runner = CliRunner()
    reference, _ = _report(client)
    added = runner.invoke(app, ["users", "add", "minh", "--role", "commune_officer", "--commune", "19597",
                                "--name", "Nguyễn Minh", "--password-stdin"], input="mat-khau-rat-dai\n")
    assert added.exit_code == 0, added.output
    assert "commune 19597 (province 44)" in added.output
    assert runner.invoke(app, ["users", "add", "x", "--role", "root", "--no-password"]).exit_code == 1
    assert runner.invoke(app, ["users", "add", "op9", "--role", "operator", "--line", "1" * 9,
                               "--no-password"]).exit_code == 1
    assert runner.invoke(app, ["token", "--user", "sup", "--role", "supervisor"]).exit_code == 1  # no province
    assert runner.invoke(app, ["users", "add", "ngan", "--role", "operator", "--password-stdin"],
                         input="short\n").exit_code == 1  # too short a password
    issued = runner.invoke(app, ["tokens", "issue", "--user", "minh", "--expires", "12h"])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[0]
    assert token.startswith("hl1.")
    assert client.get(f"/api/v1/cases/{reference}", headers=_bearer(token)).status_code == 200
    listed = runner.invoke(app, ["tokens", "list", "--user", "minh"])
    assert "active" in listed.output and token not in listed.output
    token_id = listed.output.split("\t")[0]
    assert runner.invoke(app, ["tokens", "revoke", token_id]).exit_code == 0
    assert client.get(f"/api/v1/cases/{reference}", headers=_bearer(token)).status_code == 401
    assert runner.invoke(app, ["tokens", "issue", "--user", "minh", "--expires", "9999d"]).exit_code == 1
    assert "minh\tcommune_officer" in runner.invoke(app, ["users", "list"]).output
    reset = runner.invoke(app, ["users", "reset", "minh", "--generate"])
    assert reset.exit_code == 0 and "temporary password" in reset.output
    assert runner.invoke(app, ["users", "disable", "minh"]).exit_code == 0
    assert "disabled" in runner.invoke(app, ["users", "list"]).output
    assert runner.invoke(app, ["tokens", "issue", "--user", "minh"]).exit_code == 1
