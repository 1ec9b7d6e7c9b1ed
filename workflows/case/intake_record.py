"""Keeping Form 01 with the case it opened, and T0: the first receipt anywhere."""

from __future__ import annotations

from datetime import datetime

from core.clock import as_utc
from workflows.case.intake_record_models import CaseIntakeRecord
from workflows.case.models import Case
from workflows.case.reports import NewReport


def first_receipt(report: NewReport, *, now: datetime) -> datetime:
    """T0: when the police or a commune received the report first, else now; never in the future."""
    given = report.received_elsewhere_at
    return now if given is None else min(as_utc(given), now)


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
