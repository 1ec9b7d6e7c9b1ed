"""A team says the case is not in its commune: the case goes back to routing and the operators hear at once."""

from __future__ import annotations

from datetime import datetime

from core import i18n
from core.db import UnitOfWork
from routing.rules import Recipient, RouteDecision
from workflows.case.models import Case
from workflows.team.alerts import alert_operators
from workflows.team.routing_step import keep


def back_to_routing(uow: UnitOfWork, case: Case, *, actor: str, reason: str | None, now: datetime) -> None:
    """A new routing decision without a team (the province's supervisors stay its last step), an alert
    for the console and an SMS to the shift lead. The routing clock starts with the needs_routing state."""
    previous = case.decisions[-1].decision if case.decisions else {}
    commune = case.commune_name or "?"
    supervisors = tuple(
        Recipient(None, r["supervisor_id"], r.get("role", "supervisor"), str(r["phone"]), i, str(r.get("reason", "")))
        for i, r in enumerate((r for r in previous.get("recipients", []) if r.get("supervisor_id") is not None), 1)
    )
    why = reason or "không nêu lý do / no reason given"
    decision = RouteDecision(
        "needs_routing", None, None, case.province_code, None, supervisors, (),
        (*previous.get("reasons", []),
         f"{commune} báo không phải địa bàn ({actor}): {why}. / {commune} says it is not theirs: cần chọn lại xã."),
    )
    keep(uow, case, decision, decided_by=actor, now=now)
    alert_operators(
        uow, case, kind="wrong_commune", now=now,
        sms_what=i18n.gettext("vi", "sms.wrong_commune_what", commune=commune),
        message_vi=f"Ca {case.reference}: {commune} báo không phải địa bàn; cần định tuyến lại ngay",
        message_en=f"Case {case.reference}: {commune} says it is not theirs; route it again now",
    )
