"""`hotline teams ...`: the commune team directory from the command line (import, export, list, show)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.db import unit_of_work
from routing.directory import export_roster, import_roster, list_teams, load_team
from routing.gazetteer import load
from routing.roles import ROLES
from routing.roster import RosterParse, count_lines, parse_roster

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
    with typer.progressbar(length=count_lines(file), label="Kiểm tra tệp / checking") as bar:
        parsed: RosterParse = parse_roster(file, on_line=lambda: bar.update(1))
    for error in parsed.errors:
        typer.echo(str(error), err=True)
    if parsed.errors and not skip_invalid:
        typer.echo(
            f"Không nhập gì: {len(parsed.errors)} dòng lỗi (dùng --skip-invalid để bỏ qua)."
            f" / Nothing imported: {len(parsed.errors)} bad row(s).",
            err=True,
        )
        raise typer.Exit(1)
    with typer.progressbar(length=len(parsed.rows), label="Lưu / storing") as bar, unit_of_work() as uow:
        result = import_roster(uow.session, parsed, skip_invalid=skip_invalid, on_row=lambda: bar.update(1))
        uow.commit()
    typer.echo(
        f"Thêm {result.created}, cập nhật {result.updated}, giữ nguyên {result.unchanged},"
        f" lỗi {len(result.errors)}."
        f" / created {result.created}, updated {result.updated}, unchanged {result.unchanged},"
        f" errors {len(result.errors)}."
    )
    if not result.imported and result.errors:
        raise typer.Exit(1)


@app.command("export")
def export_file(
    file: Annotated[
        Path, typer.Argument(dir_okay=False, help="Tệp .csv hoặc .xlsx. / A .csv or .xlsx file.")
    ],
) -> None:
    """Xuất danh sách đội cùng mẫu với tệp nhập. / Export the roster in the import shape."""
    with unit_of_work() as uow:
        count = export_roster(uow.session, file)
    typer.echo(f"Đã xuất {count} người vào {file}. / Exported {count} contact(s).")


@app.command("list")
def list_all() -> None:
    """Liệt kê các đội đã đăng ký. / List registered teams."""
    with unit_of_work() as uow:
        teams = list_teams(uow.session)
    if not teams:
        typer.echo("Chưa có đội nào. / No team yet.")
    for team in teams:
        typer.echo(f"{team.commune_code}  {team.commune_name}, {team.province_name}  ({len(team.contacts)})")


@app.command("show")
def show(commune: Annotated[str, typer.Argument(help="Mã xã (5 số). / 5-digit commune code.")]) -> None:
    """Xem đội của một xã và thứ tự liên hệ. / Show a commune's team and its contact chain."""
    code = commune.strip().zfill(5)
    with unit_of_work() as uow:
        team = load_team(uow.session, code)
    if team is None:
        known = load().commune(code)
        name = f" ({known.name})" if known else ""
        typer.echo(f"Xã {code}{name} chưa có đội. / No team for {code}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"{team.commune_code}  {team.commune_name}, {team.province_name}")
    for c in team.contacts:
        role = ROLES[c.role].vi if c.role in ROLES else c.role
        village = f" — {c.village}" if c.village else ""
        typer.echo(f"  {c.chain_order:>3}  {role}: {c.full_name} {c.phone}{village}")
