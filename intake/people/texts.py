"""The sign-in and staff pages' texts: Vietnamese first, English second; the `people.*` messages."""

from __future__ import annotations

from collections.abc import Mapping

from core import i18n


def people_texts(lang: str) -> Mapping[str, str]:
    return i18n.texts(lang, "people")
