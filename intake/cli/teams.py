"""`hotline teams ...`: the commune team directory from the command line (import, export, list, show)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from intake.cli.commune_query import find_communes, suggestions
from intake.cli.database import directory
from intake.cli.say import english, say
from notifier.models import RecipientFlag
from notifier.recipient_flags import clear_flags, flags_by_phone, reason_text
from routing.directory import export_roster, import_roster, list_teams, load_team
from routing.gazetteer import Commune, load
from routing.roles import ROLES
from routing.roster import RosterParse, count_lines, parse_roster
from routing.views import TeamView

app = typer.Typer(
    help="Danh bạ đội bảo vệ trẻ em cấp xã. / Commune child-protection teams.", no_args_is_help=True
)


@app.command("import")
def import_file(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Tệp CSV hoặc XLSX. / CSV or XLSX file.")
    ],
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Bỏ qua dòng lỗi, nhập phần còn lại. / Import the valid rows."),
    ] = False,
) -> None:
    """Nhập danh sách đội (kiểm tra cả tệp trước). / Import a roster (the whole file is checked first)."""
    with typer.progressbar(length=count_lines(file), label="Đang kiểm tra tệp" if not english() else "Checking") as bar:
        parsed: RosterParse = parse_roster(file, on_line=lambda: bar.update(1))
    for error in parsed.errors:
        say(f"dòng {error.line}: {error.vi}", f"line {error.line}: {error.en}", err=True)
    if parsed.errors and not skip_invalid:
        say(f"Chưa nhập gì: {len(parsed.errors)} dòng lỗi. Sửa các dòng trên, hoặc dùng --skip-invalid để bỏ qua.",
            f"Nothing imported: {len(parsed.errors)} bad row(s). Fix them, or use --skip-invalid.", err=True)
        raise typer.Exit(1)
    with directory() as uow, typer.progressbar(length=len(parsed.rows),
                                               label="Đang lưu" if not english() else "Storing") as bar:
        result = import_roster(uow.session, parsed, skip_invalid=skip_invalid, on_row=lambda: bar.update(1))
        uow.commit()
    say(f"Thêm {result.created}, cập nhật {result.updated}, giữ nguyên {result.unchanged}, lỗi {len(result.errors)}.",
        f"Created {result.created}, updated {result.updated}, unchanged {result.unchanged},"
        f" errors {len(result.errors)}.")
    if not result.imported and result.errors:
        raise typer.Exit(1)


@app.command("export")
def export_file(
    file: Annotated[
        Path, typer.Argument(dir_okay=False, help="Tệp .csv hoặc .xlsx. / A .csv or .xlsx file.")
    ],
) -> None:
    """Xuất danh sách đội cùng mẫu với tệp nhập. / Export the roster in the import shape."""
    with directory() as uow:
        count = export_roster(uow.session, file)
    say(f"Đã xuất {count} người vào {file}.", f"Exported {count} contact(s) to {file}.")


@app.command("list")
def list_all() -> None:
    """Liệt kê các đội đã đăng ký. / List registered teams."""
    with directory() as uow:
        teams = list_teams(uow.session)
    if not teams:
        say("Chưa có đội nào. Nhập danh sách bằng `hotline teams import TỆP`.",
            "No team yet. Import a roster with `hotline teams import FILE`.")
    for team in teams:
        people = f"{len(team.contacts)} người" if not english() else f"{len(team.contacts)} contact(s)"
        typer.echo(f"{team.commune_code}  {team.commune_name}, {team.province_name}  ({people})")


@app.command("show")
def show(
    commune: Annotated[str, typer.Argument(help=(
        "Tên xã/phường (có dấu hay không, có hay không chữ \"Xã\"; thêm \", Tỉnh\" nếu trùng tên) hoặc mã 5 số."
        " / The commune's name (accents and \"Xã\" optional; add \", Province\" if shared) or its 5-digit code."
    ))],
) -> None:
    """Xem đội của một xã và thứ tự liên hệ. / Show a commune's team and its contact chain."""
    gazetteer = load()
    found = find_communes(commune, gazetteer)
    with directory() as uow:
        teams = {c.code: team for c in found if (team := load_team(uow.session, c.code)) is not None}
        flags = flags_by_phone(uow.session, (c.phone for team in teams.values() for c in team.contacts))
        if not found and commune.strip().isdigit():  # a code the 2025 map does not know, but a team has
            team = load_team(uow.session, commune.strip().zfill(5))
            if team is not None:
                _print_team(team, flags_by_phone(uow.session, (c.phone for c in team.contacts)))
                return
    if not found:
        _not_found(commune, [f"{c.code}  {c.name}, {_province(c)}" for c in suggestions(commune, gazetteer)])
    with_team = [c for c in found if c.code in teams]
    chosen = found[0] if len(found) == 1 else with_team[0] if len(with_team) == 1 else None
    if chosen is None:
        _ambiguous(commune, found, teams)
    elif chosen.code in teams:
        _print_team(teams[chosen.code], flags)
    else:
        say(f"{chosen.name} ({chosen.code}, {_province(chosen)}) chưa có đội. Thêm bằng `hotline teams import TỆP`.",
            f"No team for {chosen.name} ({chosen.code}, {_province(chosen)}) yet.", err=True)
        raise typer.Exit(1)


def _province(commune: Commune) -> str:
    province = load().provinces.get(commune.province_code)
    return province.name if province else commune.province_code


def _not_found(query: str, close: list[str]) -> None:
    say(f"Không tìm thấy xã/phường nào tên “{query}”.", f"No commune is named “{query}”.", err=True)
    if close:
        say("Có phải bạn muốn tìm:", "Did you mean:", err=True)
        for line in close:
            typer.echo(f"  {line}", err=True)
    raise typer.Exit(1)


def _ambiguous(query: str, found: list[Commune], teams: dict[str, TeamView]) -> None:
    say(f"Có {len(found)} xã/phường tên “{query}”. Hãy ghi thêm tỉnh (ví dụ “{found[0].short}, "
        f"{_province(found[0])}”) hoặc dùng mã:",
        f"{len(found)} communes are named “{query}”. Add the province (e.g. “{found[0].short}, "
        f"{_province(found[0])}”) or use the code:", err=True)
    for c in found:
        has = ("có đội" if not english() else "has a team") if c.code in teams else (
            "chưa có đội" if not english() else "no team")
        typer.echo(f"  {c.code}  {c.name}, {_province(c)}  ({has})", err=True)
    raise typer.Exit(2)


def _print_team(team: TeamView, flags: dict[str, list[RecipientFlag]]) -> None:
    typer.echo(f"{team.commune_code}  {team.commune_name}, {team.province_name}")
    for c in team.contacts:
        role = (ROLES[c.role].en if english() else ROLES[c.role].vi) if c.role in ROLES else c.role
        village = f" — {c.village}" if c.village else ""
        typer.echo(f"  {c.chain_order:>3}  {role}: {c.full_name} {c.phone}{village}")
        for found in flags.get(c.phone, []):
            reason = reason_text(found.reason, "en" if english() else "vi")
            since = found.flagged_at.strftime("%d/%m/%Y %H:%M")
            say(f"       ! {found.channel} bị bỏ qua từ {since}: {reason}. Sửa số rồi "
                f"`hotline teams unflag {c.phone}`.",
                f"       ! {found.channel} skipped since {since}: {reason}. Fix the number, then "
                f"`hotline teams unflag {c.phone}`.")


@app.command("unflag")
def unflag(
    phone: Annotated[str, typer.Argument(help="Số điện thoại như trong danh sách (+84...). / The phone as listed.")],
    channel: Annotated[str | None, typer.Option(help="Chỉ kênh này (sms, voice). / Only this channel.")] = None,
) -> None:
    """Gỡ cờ "không gửi được" của một số sau khi đã sửa. / Clear a number's undeliverable flag once fixed."""
    with directory() as uow:
        removed = clear_flags(uow.session, phone.strip(), channel)
        uow.commit()
    if not removed:
        say(f"Số {phone} không bị gắn cờ.", f"{phone} is not flagged.", err=True)
        raise typer.Exit(1)
    say(f"Đã gỡ {removed} cờ của {phone}; tin nhắn sau sẽ gửi lại tới số này.",
        f"Cleared {removed} flag(s) of {phone}; later messages go to it again.")
