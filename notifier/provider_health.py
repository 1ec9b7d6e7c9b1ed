"""Telling the hotline's shift lead when the SMS provider is failing, once per outage, and when it is back.

Every provider failure extends the open run (a `ProviderAlert` row); at `alert_after` failures in a row
the run is logged as an error and an SMS is queued to each shift-lead phone (it goes out as soon as the
provider takes messages again, first in line; another channel can read the same row). The first success
closes the run, and a run that was announced is announced closed.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import local
from core.db import for_update
from notifier.models import OPS_PRIORITY, ProviderAlert
from notifier.outbox import DeliveryPolicy, queue_message
from notifier.templates import ascii_fold

log = logging.getLogger(__name__)
PROVIDER = "sms"


def local_time(moment: datetime) -> str:
    return local(moment).strftime("%H:%M %d/%m")


def provider_down_sms(*, since: datetime, failures: int) -> str:
    return ascii_fold(
        f"111 VAN HANH: Nha cung cap SMS dang loi tu {local_time(since)} ({failures} lan lien tiep). "
        "Tin nhan duoc giu va gui lai tu dong. Hay goi dien cho cac ca khan cap."
    )


def provider_up_sms(*, since: datetime) -> str:
    return ascii_fold(f"111 VAN HANH: Nha cung cap SMS da hoat dong lai (loi tu {local_time(since)}).")


def _open_run(session: Session) -> ProviderAlert | None:
    return session.execute(for_update(session, select(ProviderAlert).where(
        ProviderAlert.open_slot == PROVIDER))).scalar_one_or_none()


def note_provider_failure(session: Session, *, error: str, now: datetime, policy: DeliveryPolicy) -> bool:
    """One more failure in the run; True when this one made the shift lead be told."""
    run = _open_run(session)
    if run is None:
        try:
            with session.begin_nested():
                run = ProviderAlert(provider=PROVIDER, open_slot=PROVIDER, opened_at=now, failures=0)
                session.add(run)
        except IntegrityError:  # another worker opened it at the same moment
            run = _open_run(session)
            if run is None:
                return False
    run.failures += 1
    run.last_error = error[:200]
    if run.notified_at is not None or run.failures < policy.alert_after:
        return False
    run.notified_at = now
    log.error("the SMS provider is failing since %s (%s failures in a row, last: %s); telling the shift lead",
              run.opened_at.isoformat(timespec="seconds"), run.failures, run.last_error)
    for phone in policy.shift_leads:
        queue_message(session, case_id=None, channel="sms", to_phone=phone, purpose="ops_alert", now=now,
                      body=provider_down_sms(since=run.opened_at, failures=run.failures), priority=OPS_PRIORITY)
    return True


def note_provider_success(session: Session, *, now: datetime, policy: DeliveryPolicy) -> None:
    """The provider took a message: the run of failures, if any, is over."""
    run = _open_run(session)
    if run is None:
        return
    run.open_slot, run.closed_at = None, now
    if run.notified_at is None:
        return
    log.warning("the SMS provider works again (failing since %s)", run.opened_at.isoformat(timespec="seconds"))
    for phone in policy.shift_leads:
        queue_message(session, case_id=None, channel="sms", to_phone=phone, purpose="ops_alert", now=now,
                      body=provider_up_sms(since=run.opened_at), priority=OPS_PRIORITY)
