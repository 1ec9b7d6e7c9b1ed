"""Internal names as words people read: one function per kind, each backed by the catalogs.

A staff page never shows the machine's ids (`emergency_protection`, `member:1`, `sms`, `pending`): it
asks here. Each kind is a catalog prefix (`state.`, `clock.`, `role.`, `channel.`, `timer.`, `ladder.`,
`purpose.`, `delivery.`, `event.`, `sex.`), so a new state or clock only needs a line in both catalogs
(core/locales/*/LC_MESSAGES/messages.po). A value the catalogs do not know reads as "khác" / "other",
never as the id. Also here: times in Vietnam time, dd/mm/yyyy and hh:mm, the one format of every page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core import i18n
from core.clock import local

DATE = "%d/%m/%Y"
DATE_TIME = "%H:%M %d/%m/%Y"
DATE_PATTERN = r"\d{1,2}/\d{1,2}/\d{4}"  # for text inputs: `pattern` and the hint say the same


def _word(kind: str, lang: str, value: str | None) -> str:
    if not value:
        return "—"
    found = i18n.texts(lang, kind).get(value)
    return found if found is not None else i18n.gettext(lang, "word.other")


def state(lang: str, value: str | None) -> str:
    return _word("state", lang, value)


def clock(lang: str, value: str | None) -> str:
    return _word("clock", lang, value)


def role(lang: str, value: str | None) -> str:
    """A person's role: a staff role, a ladder's role, or an actor (`member:12`, `sms:...`, `ui:lan`)."""
    if value and ":" in value:
        value = value.split(":", 1)[0]
    return _word("role", lang, value)


def actor(lang: str, value: str | None) -> str:
    """Who did it: a staff user's name stays (it is a person's name), a machine actor becomes its role."""
    if not value:
        return "—"
    if ":" in value or value in i18n.texts(lang, "role"):
        return role(lang, value)
    return value


def channel(lang: str, value: str | None) -> str:
    return _word("channel", lang, value)


def purpose(lang: str, value: str | None) -> str:
    return _word("purpose", lang, value)


def delivery(lang: str, value: str | None) -> str:
    return _word("delivery", lang, value)


def event(lang: str, value: str | None) -> str:
    return _word("event", lang, value)


def sex(lang: str, value: str | None) -> str:
    return _word("sex", lang, value)


def next_step(lang: str, state_id: str | None) -> str:
    """Who acts next on a case in this state, and what they do (`next.<state>`)."""
    return _word("next", lang, state_id)


def timer_kind(lang: str, value: str | None) -> str:
    return _word("timer", lang, value)


def timer_status(lang: str, timer: dict[str, Any]) -> str:
    """A deadline's status: running, breached, or met (a deadline cancelled because its step was done
    was met; it is not "cancelled")."""
    if timer.get("fired_at"):
        return _word("timer", lang, "breached" if timer.get("kind") == "deadline" else "stopped")
    if timer.get("cancelled_at"):
        return _word("timer", lang, "met" if timer.get("kind") == "deadline" else "stopped")
    return _word("timer", lang, "pending")


def ladder_status(lang: str, value: str | None) -> str:
    """`running`, `exhausted`, `taken_over`, `satisfied:<state>`..."""
    if value and value.startswith("satisfied"):
        value = "satisfied"
    return _word("ladder", lang, value)


def at(value: datetime | str | None, fmt: str = DATE_TIME) -> str:
    """A time in Vietnam time, hh:mm dd/mm/yyyy (or dd/mm/yyyy with fmt=DATE)."""
    if value is None or value == "":
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return local(moment).strftime(fmt)


def internal_names() -> frozenset[str]:
    """Every id a staff page must not show (for the tests): states, clocks, roles and channels."""
    from workflows.access.policy import ROLES as STAFF_ROLES
    from workflows.case.machine import STATES
    from workflows.clocks.policy import CLOCKS
    from workflows.clocks.policy import ROLES as LADDER_ROLES

    return frozenset(STATES) | frozenset(CLOCKS) | frozenset(STAFF_ROLES) | frozenset(LADDER_ROLES)


def helpers(lang: str) -> dict[str, Any]:
    """The functions a template gets, bound to its language: `{{ w.clock(tm.clock) }}`."""
    def bind(fn: Any) -> Any:
        return lambda *args: fn(lang, *args)

    return {"w": _Bound({name: bind(fn) for name, fn in (
        ("state", state), ("clock", clock), ("role", role), ("actor", actor), ("channel", channel),
        ("purpose", purpose), ("delivery", delivery), ("event", event), ("sex", sex), ("timer_kind", timer_kind),
        ("timer_status", timer_status), ("ladder_status", ladder_status), ("next_step", next_step))} | {"at": at})}


class _Bound(dict[str, Any]):
    def __getattr__(self, name: str) -> Any:
        return self[name]
