"""The commune officers' pages' words: Vietnamese first, English second (?lang=en); the `officer.*` messages."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from core import i18n
from intake.console.texts import console_texts

# Form 01's labels are the intake desk's own (desk.*).
FORM01 = ("family", "current_condition", "likely_harm", "father_name", "father_age",
          "father_job", "mother_name", "mother_age", "mother_job", "family_situation", "caregiver", "help_given")


@lru_cache(maxsize=len(i18n.LANGUAGES))
def _officer_texts(lang: str) -> Mapping[str, str]:
    desk = console_texts(lang)
    return MappingProxyType({**i18n.texts(lang, "officer"), **{k: desk[k] for k in FORM01}})


def officer_texts(lang: str) -> Mapping[str, str]:
    return _officer_texts(i18n.language(lang))

