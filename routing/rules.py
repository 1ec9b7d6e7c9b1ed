"""Who gets a case: a pure function from where it happened, what it is and the directory, to a decision
with its reasons (stored with the case, so "why this team?" always has an answer).

The law: the commune where it happened leads (Decree 56/2017 Art. 26); the child's home commune is
informed. No child or reporter data goes in: codes, staff contacts and reasons only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from routing.locate import Candidate
from routing.text import fold
from routing.views import ContactView, SupervisorView, TeamView

POLICE_EARLY_CATEGORIES = frozenset({"sexual_abuse", "trafficking"})
_POLICE_EARLY = "Công an xã được báo sớm / police informed early"
_VILLAGE_WORDS = frozenset(
    {"thon", "xom", "ap", "ban", "to", "khu", "pho", "dan", "kp", "tdp", "khom", "buon", "lang"}
)


@dataclass(frozen=True, slots=True)
class Recipient:
    contact_id: int | None
    supervisor_id: int | None
    role: str
    phone: str
    order: int
    reason: str


@dataclass(frozen=True, slots=True)
class RouteDecision:
    status: str  # "routed" | "needs_routing" | "to_supervisor"
    commune_code: str | None
    commune: str | None
    province_code: str | None
    team_id: int | None
    recipients: tuple[Recipient, ...]
    informed: tuple[str, ...]  # home communes told about the case (commune codes)
    reasons: tuple[str, ...]
    overridden_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # asdict's result without its deep copies: every field is a scalar or a tuple of them.
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["recipients"] = [{f.name: getattr(r, f.name) for f in fields(r)} for r in self.recipients]
        data["informed"] = list(self.informed)
        data["reasons"] = list(self.reasons)
        return data


def _village_core(text: str | None) -> str:
    words = fold(text or "").split()
    while words and words[0] in _VILLAGE_WORDS:
        words = words[1:]
    return " ".join(words)


def _chain(
    team: TeamView, *, police_early: bool, village: str | None
) -> tuple[list[tuple[ContactView, str]], list[str]]:
    reasons: list[str] = []
    staff = [c for c in team.contacts if c.role != "village_collaborator"]
    police = [c for c in staff if c.role == "commune_police"]
    ordered: list[tuple[ContactView, str]] = []
    lead, rest = staff[:1], staff[1:]
    ordered += [(c, "Đầu mối của xã / commune lead") for c in lead]
    if police_early and police:
        ordered += [(c, _POLICE_EARLY) for c in police if c not in lead]
        rest = [c for c in rest if c not in police]
        reasons.append(
            "Xâm hại tình dục, mua bán hoặc nguy hiểm tức thời: báo công an xã sớm. / Police early."
        )
    core = _village_core(village)
    local = [
        c
        for c in team.contacts
        if c.role == "village_collaborator" and core and _village_core(c.village) == core
    ]
    if local:
        ordered += [(c, "Cộng tác viên cùng thôn / collaborator of the village") for c in local]
        reasons.append("Thêm cộng tác viên của thôn. / Added the village collaborator.")
    ordered += [(c, "Theo thứ tự của đội / team chain") for c in rest]
    return ordered, reasons


def _supervisor_recipients(supervisors: Sequence[SupervisorView], start: int, reason: str) -> list[Recipient]:
    ranked = sorted(supervisors, key=lambda s: (s.chain_order, s.supervisor_id))
    return [
        Recipient(None, s.supervisor_id, "supervisor", s.phone, start + i, reason)
        for i, s in enumerate(ranked)
    ]


def decide_route(
    *,
    happened: Candidate | None,
    lives: Candidate | None = None,
    category: str | None,
    immediate_danger: bool,
    village: str | None,
    team: TeamView | None,
    home_team: TeamView | None = None,
    supervisors: Sequence[SupervisorView],
) -> RouteDecision:
    if happened is None:
        why = "Chưa rõ xã nơi xảy ra: cần tư vấn viên chọn. / Commune unknown: operator must choose."
        return RouteDecision("needs_routing", None, None, None, None, (), (), (why,))
    reasons = [
        f"Xã nơi xảy ra chủ trì: {happened.commune}, {happened.province} (NĐ 56/2017 Điều 26)."
        f" / The commune where it happened leads."
    ]
    informed: tuple[str, ...] = ()
    if lives is not None and lives.commune_code != happened.commune_code:
        informed = (lives.commune_code,)
        reasons.append(f"Thông báo xã nơi trẻ sống: {lives.commune}. / The child's home commune is informed.")
        if home_team is None:
            reasons.append("Xã nơi trẻ sống chưa có đội đăng ký. / The home commune has no registered team.")
    if team is None or not team.contacts:
        recipients = _supervisor_recipients(
            supervisors, 1, "Xã chưa có đội: chuyển giám sát tỉnh / no team: province supervisor"
        )
        reasons.append(
            "Xã chưa có đội đăng ký: chuyển giám sát của tỉnh. / No team registered: province supervisor."
        )
        status = "to_supervisor" if recipients else "needs_routing"
        if not recipients:
            reasons.append(
                "Tỉnh chưa có giám sát: cần tư vấn viên xử lý. / No supervisor either: operator must act."
            )
        return RouteDecision(
            status, happened.commune_code, happened.commune, happened.province_code,
            team.team_id if team else None, tuple(recipients), informed, tuple(reasons),
        )  # fmt: skip
    police_early = immediate_danger or (category in POLICE_EARLY_CATEGORIES)
    chain, chain_reasons = _chain(team, police_early=police_early, village=village)
    reasons += chain_reasons
    recipients = [
        Recipient(c.contact_id, None, c.role, c.phone, i, why) for i, (c, why) in enumerate(chain, 1)
    ]
    recipients += _supervisor_recipients(
        supervisors, len(recipients) + 1, "Bước cuối leo thang / last escalation"
    )
    return RouteDecision(
        "routed", happened.commune_code, happened.commune, happened.province_code, team.team_id,
        tuple(recipients), informed, tuple(reasons),
    )  # fmt: skip


def override(decision: RouteDecision, *, team: TeamView, reason: str, operator: str) -> RouteDecision:
    """An operator sends the case to another team; the reason and who did it stay in the decision."""
    police_early = any(r.reason == _POLICE_EARLY for r in decision.recipients)
    chain, _ = _chain(team, police_early=police_early, village=None)
    staff = [Recipient(c.contact_id, None, c.role, c.phone, i, why) for i, (c, why) in enumerate(chain, 1)]
    # The province supervisors stay the last step of the escalation.
    same_province = team.province_code == decision.province_code
    kept = [r for r in decision.recipients if r.supervisor_id is not None and same_province]
    recipients = tuple(staff + [replace(r, order=len(staff) + i) for i, r in enumerate(kept, 1)])
    return replace(
        decision,
        status="routed",
        commune_code=team.commune_code,
        commune=team.commune_name,
        province_code=team.province_code,
        team_id=team.team_id,
        recipients=recipients,
        reasons=(
            *decision.reasons,
            f"Tư vấn viên chuyển sang {team.commune_name}: {reason} / operator override",
        ),
        overridden_by=operator,
    )
