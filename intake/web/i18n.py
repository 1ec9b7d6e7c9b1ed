"""User-facing texts: Vietnamese by default, English second (?lang=en or Accept-Language).

The public pages' words are the `web.*` messages of the catalogs (core/locales, docs/translations.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request

from core import i18n

LANGUAGES = i18n.LANGUAGES


def pick_language(request: Request) -> str:
    lang = request.query_params.get("lang")
    if lang in LANGUAGES:
        return lang
    accept = request.headers.get("accept-language", "")
    return "en" if accept.lower().startswith("en") else "vi"


def texts(lang: str) -> Mapping[str, str]:
    return i18n.texts(lang, "web")

