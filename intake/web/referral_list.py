"""The referrals of a case as the case page and /xa list them: one place for their headings (vi, en)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import i18n
from core.clock import local, utcnow
from core.db import UnitOfWork
from workflows.referrals.queries import referrals_of_case


def headings(lang: str) -> Mapping[str, str]:
    """The page's words: the catalogs' `referral_list.*` messages (Vietnamese for any other language)."""
    return i18n.texts(lang, "referral_list")


def referral_context(case_id: int, language: str) -> dict[str, Any]:
    """`referrals` and `rt` for templates/_referrals.html."""
    with UnitOfWork() as uow:
        lines = referrals_of_case(uow.session, case_id, now=utcnow(), language=language)
    rows = [{"line": line, "respond_by": "—" if line.kind == "task" else local(line.respond_by).strftime("%H:%M %d/%m"),
             "due_on": line.due_on.strftime("%d/%m/%Y")} for line in lines]
    return {"referrals": rows, "rt": headings("en" if language == "en" else "vi")}
