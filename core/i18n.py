"""User-facing texts from the gettext catalogs: core/locales/<lang>/LC_MESSAGES/messages.po.

Vietnamese is the source language, English the second; any other language falls back to Vietnamese.
Message ids are keys (`desk.calls`, `sms.reminder`): the vi catalog holds the Vietnamese text, the en
catalog the English. Placeholders are `str.format` ones (`{m}`), filled by the caller.

No build step: each catalog is read from its .po and compiled with Babel the first time a process
asks for that language, then kept (`pybabel compile` is only a check: its .mo is not read). A
message id missing from the catalog is a KeyError, never the id shown to a person.
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "messages"
SOURCE = "vi"
LANGUAGES = ("vi", "en")


def language(lang: str | None) -> str:
    """The catalog's language for `lang`: itself if we have it, else Vietnamese."""
    return lang if lang in LANGUAGES else SOURCE


def catalog_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGUAGES))
def _load(lang: str) -> tuple[_gettext.GNUTranslations, Mapping[str, str]]:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalog_path(lang).open("rb") as f:
        catalog = read_po(f, domain=DOMAIN)  # no locale: its data is not needed here
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    # In the .po's order (tables such as the states are shown in it); a fuzzy or empty text is no text.
    messages = {m.id: m.string for m in catalog if isinstance(m.id, str) and m.id and isinstance(m.string, str)
                and m.string and not m.fuzzy}
    return _gettext.GNUTranslations(buffer), MappingProxyType(messages)


def load_all() -> None:
    """Read every catalog now (at start-up), so that no request pays for it."""
    for lang in LANGUAGES:
        _load(lang)


def translations(lang: str | None) -> _gettext.GNUTranslations:
    """The compiled catalog for `lang` (Vietnamese for a language we do not have), cached."""
    return _load(language(lang))[0]


def messages(lang: str | None) -> Mapping[str, str]:
    """Every message of `lang`'s catalog, msgid -> text (read-only)."""
    return _load(language(lang))[1]


def gettext(lang: str | None, msgid: str, **fmt: Any) -> str:
    """The text of `msgid` in `lang`, formatted with `fmt` if given; KeyError if the catalog lacks it."""
    text = messages(lang)[msgid]
    return text.format(**fmt) if fmt else text


def texts(lang: str | None, prefix: str) -> Mapping[str, str]:
    """The messages under `prefix.` with the prefix cut: `texts("vi", "desk")["calls"]` is `desk.calls`.

    A read-only dict view, so code and templates written for the old dicts (`t["calls"]`, `t.calls`)
    keep working; a missing key is a KeyError as before.
    """
    return _texts(language(lang), prefix)


@lru_cache(maxsize=64)
def _texts(lang: str, prefix: str) -> Mapping[str, str]:
    head = prefix + "."
    return MappingProxyType({k[len(head):]: v for k, v in messages(lang).items() if k.startswith(head)})


def pairs(prefix: str) -> dict[str, tuple[str, str]]:
    """The messages under `prefix.` as key -> (Vietnamese, English), for the tables kept in that shape."""
    vi, en = texts("vi", prefix), texts("en", prefix)
    return {k: (vi[k], en[k]) for k in vi}
