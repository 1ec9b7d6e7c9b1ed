"""Server-rendered pages (no JavaScript needed), autoescaped.

Words come from the catalogs through Jinja's i18n extension: `{{ _("desk.calls") }}` is the text of
`desk.calls` in the page's `lang` (Vietnamese for any other). The texts are plain strings, so
autoescaping treats them as before; a `{m}` placeholder is filled with `.format(m=...)`. A message id
the catalogs lack fails the render (KeyError) instead of showing the id.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from core import i18n


@pass_context
def _gettext(context: Context, msgid: str) -> str:
    return i18n.gettext(context.get("lang"), msgid)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return i18n.gettext(context.get("lang"), singular if n == 1 else plural)


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    # Old-style callables: they return plain str, which autoescaping escapes like any value.
    env.install_gettext_callables(_gettext, _ngettext, newstyle=False)  # type: ignore[attr-defined]
    return env


def render(name: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(_env().get_template(name).render(**context), status_code=status)
