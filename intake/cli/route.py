"""`hotline route`: find the commune in texts and show the team registered there.

Contract: `hotline route --json TEXT...` prints one JSON object per text per line; `-` reads one
text per line from stdin. The database is optional here: if it is not there (or not migrated),
"team" is null and stderr says why once; it is never created by this command.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Annotated, Any

import typer
from sqlalchemy.exc import SQLAlchemyError

from core.db import unit_of_work
from core.errors import InvalidInput
from intake.cli.database import NotReady, check_database
from intake.cli.say import say
from routing.directory import load_team
from routing.locate import locate


class _Teams:
    """Team lookups through one unit of work, opened on first use; gives up quietly if the DB is down."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._uow: Any = None
        self._broken = False

    def get(self, commune_code: str) -> dict[str, Any] | None:
        if self._broken:
            return None
        try:
            if self._uow is None:
                check_database()
                self._uow = self._stack.enter_context(unit_of_work())
            team = load_team(self._uow.session, commune_code)
        except NotReady as problem:  # routing still answers, without teams
            self._broken = True
            say(f"(Không có đội: {problem.vi})", f"(No teams: {problem.en})", err=True)
            return None
        except (SQLAlchemyError, OSError):
            self._broken = True
            return None
        if team is None:
            return None
        return {
            "team_id": team.team_id,
            "commune_code": team.commune_code,
            "commune_name": team.commune_name,
            "province_code": team.province_code,
            "contacts": len(team.contacts),
        }


def _texts(texts: list[str]) -> Iterator[str]:
    for text in texts:
        if text == "-":
            yield from (line.rstrip("\n") for line in sys.stdin if line.strip())
        else:
            yield text


def route_one(text: str, teams: _Teams) -> dict[str, Any]:
    try:
        candidates = locate(text, limit=5)
    except InvalidInput as err:
        return {"text": text[:200], "candidates": [], "team": None, "error": {"vi": err.vi, "en": err.en}}
    team = teams.get(candidates[0].commune_code) if candidates else None
    return {"text": text, "candidates": [c.to_dict() for c in candidates], "team": team}


def route(
    texts: Annotated[
        list[str],
        typer.Argument(
            help="Văn bản có địa chỉ; '-' để đọc từ stdin, mỗi dòng một văn bản. / Texts; '-' = stdin."
        ),
    ],
    json_out: Annotated[
        bool, typer.Option("--json", help="Mỗi văn bản một dòng JSON. / One JSON object per line.")
    ] = False,
) -> None:
    """Tìm xã (bản đồ 2025) trong văn bản và đội đã đăng ký. / Find the 2025 commune and its team."""
    with ExitStack() as stack:
        teams = _Teams(stack)
        for text in _texts(texts):
            result = route_one(text, teams)
            if json_out:
                typer.echo(json.dumps(result, ensure_ascii=False))
                continue
            typer.echo(text)
            if "error" in result:
                say(f"  ! {result['error']['vi']}", f"  ! {result['error']['en']}")
            if not result["candidates"]:
                say("  (không tìm thấy xã nào)", "  (no commune found)")
            for c in result["candidates"]:
                typer.echo(f"  {c['confidence']:.2f}  {c['commune_code']} {c['commune']}, {c['province']}")
            team = result["team"]
            name = f"{team['commune_name']} (#{team['team_id']})" if team else "—"
            say(f"  đội: {name}", f"  team: {name}")


app = typer.Typer(help="Định tuyến theo địa chỉ. / Routing by address.")
app.command("route")(route)
