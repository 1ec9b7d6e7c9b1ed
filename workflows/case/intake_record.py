"""Keeping Form 01 with the case it opened, and T0: the first receipt anywhere."""

from __future__ import annotations

from datetime import datetime

from core.clock import as_utc
from workflows.case.intake_record_models import CaseIntakeRecord
from workflows.case.models import Case
from workflows.case.reports import NewReport


def first_receipt(report: NewReport, *, now: datetime, contact_started_at: datetime | None = None) -> datetime:
    """T0, the first receipt anywhere: the earliest of an earlier receipt recorded in Form 01 (police, a
    commune, another line), the contact's own start (a call's start, a conversation's first message) and
    now (a form's submission); never in the future."""
    times = [as_utc(t) for t in (report.received_elsewhere_at, contact_started_at) if t is not None]
    return min([*times, now])


def intake_record(case: Case, report: NewReport, *, contact: int | None, t0: datetime, actor: str) -> CaseIntakeRecord:
    return CaseIntakeRecord(
        case=case, contact_id=contact, taxonomy_version=report.taxonomy_version or "",
        abuser_is_caregiver=report.abuser_is_caregiver,
        received_elsewhere_at=t0 if report.received_elsewhere_at is not None else None,
        received_elsewhere_by=report.received_elsewhere_by, received_by=report.received_by or actor,
        record={
            "child_birth_date": report.child_birth_date, "current_condition": report.current_condition,
            "likely_harm": report.likely_harm, "family": dict(report.family),
            "special_circumstances": list(report.special_circumstances), "reporter_address": report.reporter_address,
        },
    )
