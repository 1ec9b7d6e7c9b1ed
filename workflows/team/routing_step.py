"""Asking routing where a case goes, and keeping the answer with the case."""

from __future__ import annotations

from datetime import datetime

from core.db import UnitOfWork
from core.errors import InvalidInput
from core.settings import get_settings
from routing import gazetteer
from routing.directory import cached_supervisors, cached_team, load_supervisors, load_team
from routing.locate import Candidate, best_confident, locate
from routing.rules import RouteDecision, decide_route, override
from workflows.case.models import Case, RouteRecord


def route_case(
    uow: UnitOfWork, case: Case, *, location: str | None, category: str | None, immediate_danger: bool,
    now: datetime, home: str | None = None, chosen: str | None = None, decided_by: str = "system",
) -> RouteDecision:
    """`chosen`: the commune an operator accepted among the finder's suggestions; it is taken as found."""
    threshold = get_settings().routing_threshold
    candidates = locate(location or "")
    best = accepted(candidates, chosen) if chosen else best_confident(candidates, threshold)
    lives = best_confident(locate(home), threshold) if home else None
    team = cached_team(uow.session, best.commune_code) if best else None
    province = best.province_code if best else None
    supervisors = cached_supervisors(uow.session, province) if province else []
    decision = decide_route(
        happened=best, lives=lives, category=category, immediate_danger=immediate_danger,
        village=best.village if best else None, team=team, supervisors=supervisors,
        home_team=cached_team(uow.session, lives.commune_code) if lives else None,
    )
    keep(uow, case, decision, decided_by=decided_by, now=now, candidates=[_public(c.to_dict()) for c in candidates])
    if lives is not None and lives.commune_code != case.commune_code:
        case.home_commune_code = lives.commune_code  # it reads the case and takes part (Child Law Art. 52)
    return decision


def accepted(candidates: list[Candidate], commune_code: str) -> Candidate:
    """The operator's choice: the finder's candidate for that commune (with what it matched), or the
    commune itself when the operator picked it by code."""
    for candidate in candidates:
        if candidate.commune_code == commune_code:
            return candidate
    commune = gazetteer.load().commune(commune_code)
    if commune is None:
        raise InvalidInput(f"Không có xã mã {commune_code}", f"No commune {commune_code}", field="commune_code")
    province = gazetteer.load().province(commune.province_code)
    return Candidate(commune_code=commune.code, commune=commune.name, province_code=commune.province_code,
                     province=province.name if province else commune.province_code, confidence=1.0,
                     matched="operator")


def keep(
    uow: UnitOfWork, case: Case, decision: RouteDecision, *, decided_by: str, now: datetime,
    candidates: list[dict[str, object]] | None = None,
) -> None:
    """Store the decision with its reasons and point the case at the chosen team."""
    stored = decision.to_dict()
    if candidates is not None:
        stored["candidates"] = candidates[:5]
    case.decisions.append(RouteRecord(decided_at=now, decided_by=decided_by, decision=stored))
    case.province_code = decision.province_code
    case.commune_code = decision.commune_code
    case.commune_name = decision.commune
    case.team_id = decision.team_id if decision.status == "routed" else None
    case.assignee_order = 0


def _public(candidate: dict[str, object]) -> dict[str, object]:
    # What the reporter wrote (and the village in it) can point at a child: it stays encrypted.
    return {k: v for k, v in candidate.items() if k not in {"matched", "village", "text"}}


def recipients(case: Case) -> list[dict[str, object]]:
    """The commune team's contact chain of the latest routing decision, in order.

    Province supervisors stand at the end of a decision's list; they are reached by the
    escalation's own `supervisor` step, not as one more contact of the team.
    """
    if not case.decisions:
        return []
    return [r for r in case.decisions[-1].decision.get("recipients", []) if r.get("contact_id") is not None]


def supervisor_phones(case: Case) -> list[str]:
    if not case.decisions:
        return []
    chain = case.decisions[-1].decision.get("recipients", [])
    return [str(r["phone"]) for r in chain if r.get("supervisor_id") is not None]


def operator_decision(
    uow: UnitOfWork, case: Case, *, commune_code: str, reason: str, operator: str
) -> RouteDecision:
    """The rules applied to the commune an operator chose, with who chose it and why."""
    if not reason.strip():
        raise InvalidInput("Cần ghi lý do chuyển", "A reason is required", field="reason")
    commune = gazetteer.load().commune(commune_code)
    team = load_team(uow.session, commune.code) if commune else None
    if commune is None or team is None:
        raise InvalidInput(f"Xã {commune_code} không có hoặc chưa có nhóm bảo vệ trẻ em",
                           f"Commune {commune_code} is unknown or has no team", field="commune_code")
    chosen = Candidate(commune_code=team.commune_code, commune=team.commune_name,
                       province_code=team.province_code, province=team.province_name,
                       confidence=1.0, matched="operator")
    decision = decide_route(happened=chosen, category=case.category, immediate_danger=case.immediate_danger,
                            village=None, team=team, supervisors=load_supervisors(uow.session, team.province_code))
    return override(decision, team=team, reason=reason, operator=operator)


def home_team_phones(uow: UnitOfWork, decision: RouteDecision) -> list[tuple[str, str]]:
    """(commune, first contact's phone) of each home commune the decision informs and that has a team."""
    out = []
    for code in decision.informed:
        team = cached_team(uow.session, code)
        if team is not None and team.contacts:
            out.append((team.commune_name, team.contacts[0].phone))
    return out
