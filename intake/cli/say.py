"""What the command line prints for a person: plain Vietnamese, English when HOTLINE_LANG=en."""

from __future__ import annotations

import os

import typer


def english() -> bool:
    return os.environ.get("HOTLINE_LANG", "vi").strip().lower().startswith("en")


def say(vi: str, en: str, *, err: bool = False) -> None:
    typer.echo(en if english() else vi, err=err)
