"""The referrals of a case as the case page and /xa list them: one place for their headings (vi, en)."""

from __future__ import annotations

from typing import Any

from core.clock import local, utcnow
from core.db import UnitOfWork
from workflows.referrals.queries import referrals_of_case

HEADINGS: dict[str, dict[str, str]] = {
    "vi": {"title": "Đề nghị dịch vụ", "reference": "Mã", "service": "Dịch vụ", "agency": "Cơ sở",
           "state": "Tình trạng", "respond_by": "Trả lời trước", "due_on": "Hoàn thành trước", "late": "Quá hạn",
           "none": "Chưa có đề nghị dịch vụ nào.", "late_title": "Đề nghị dịch vụ quá hạn", "case": "Ca",
           "late_none": "Không có đề nghị dịch vụ nào quá hạn."},
    "en": {"title": "Service referrals", "reference": "Ref.", "service": "Service", "agency": "Agency",
           "state": "State", "respond_by": "Answer by", "due_on": "Done by", "late": "Late",
           "none": "No referral yet.", "late_title": "Late referrals", "case": "Case",
           "late_none": "No late referral."},
}


def referral_context(case_id: int, language: str) -> dict[str, Any]:
    """`referrals` and `rt` for templates/_referrals.html."""
    with UnitOfWork() as uow:
        lines = referrals_of_case(uow.session, case_id, now=utcnow(), language=language)
    rows = [{"line": line, "respond_by": "—" if line.kind == "task" else local(line.respond_by).strftime("%H:%M %d/%m"),
             "due_on": line.due_on.strftime("%d/%m/%Y")} for line in lines]
    return {"referrals": rows, "rt": HEADINGS["en" if language == "en" else "vi"]}
