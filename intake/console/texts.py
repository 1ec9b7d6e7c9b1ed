"""The intake desk's texts: Vietnamese first, English second (the `desk.*` and `state.*` messages)."""

from __future__ import annotations

from collections.abc import Mapping

from core import i18n


def console_texts(lang: str) -> Mapping[str, str]:
    return i18n.texts(lang, "desk")


def state_names(lang: str) -> Mapping[str, str]:
    return i18n.texts(lang, "state")


def __getattr__(name: str) -> Mapping[str, str]:
    """VI, EN, STATES_VI, STATES_EN: the old tables, read from the catalogs."""
    tables = {"VI": ("vi", "desk"), "EN": ("en", "desk"), "STATES_VI": ("vi", "state"), "STATES_EN": ("en", "state")}
    if name in tables:
        return i18n.texts(*tables[name])
    raise AttributeError(name)
