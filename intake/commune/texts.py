"""The answer page's words: Vietnamese first, English second (?lang=en); the `answer_page.*` messages."""

from __future__ import annotations

from collections.abc import Mapping

from core import i18n


def page_texts(lang: str) -> Mapping[str, str]:
    return i18n.texts(lang, "answer_page")

