"""`hotline services ...`: the province's service directory (import, list, show)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from intake.cli.database import directory
from intake.cli.say import english, say
from workflows.services.directory_file import level_label, parse_directory
from workflows.services.service import find_agency, import_directory, list_agencies
from workflows.services.taxonomy import taxonomy

app = typer.Typer(help="Danh bạ cơ sở cung cấp dịch vụ bảo vệ trẻ em. / The service directory.", no_args_is_help=True)


def _service_names(codes: list[str]) -> str:
    services = taxonomy().services
    return "; ".join((services[c].en if english() else services[c].vi) if c in services else c for c in codes)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Tệp CSV hoặc XLSX. / CSV or XLSX file.")],
) -> None:
    """Nhập danh bạ dịch vụ (kiểm tra cả tệp trước). / Import the directory (the whole file is checked first)."""
    parsed = parse_directory(file)
    for error in parsed.errors:
        say(f"dòng {error.line}: {error.vi}", f"line {error.line}: {error.en}", err=True)
    if parsed.errors:
        say(f"Chưa nhập gì: {len(parsed.errors)} dòng lỗi. Sửa các dòng trên rồi nhập lại.",
            f"Nothing imported: {len(parsed.errors)} bad row(s). Fix them and import again.", err=True)
        raise typer.Exit(1)
    with directory() as uow:
        result = import_directory(uow.session, parsed)
        uow.commit()
    say(f"Thêm {result.created}, cập nhật {result.updated}, giữ nguyên {result.unchanged} cơ sở.",
        f"Created {result.created}, updated {result.updated}, unchanged {result.unchanged} agencies.")


@app.command("list")
def list_command(
    province: Annotated[str | None, typer.Option("--province", help="Mã tỉnh. / Province code.")] = None,
) -> None:
    """Các cơ sở và dịch vụ của họ. / The agencies and what they provide."""
    with directory() as uow:
        for agency in list_agencies(uow.session, province_code=province):
            place = agency.commune_name or agency.province_code
            typer.echo(f"{agency.id}\t{level_label(agency.level)}\t{place}\t{agency.name}\t"
                       f"{_service_names(agency.services)}")


@app.command("show")
def show(name: Annotated[str, typer.Argument(help="Tên hoặc số của cơ sở. / Agency name or id.")]) -> None:
    """Một cơ sở: dịch vụ, giờ làm việc, người liên hệ. / One agency: services, hours, contacts."""
    with directory() as uow:
        agency = find_agency(uow.session, name)
        if agency is None:
            say(f"Không có cơ sở «{name}».", f"No agency {name!r}.", err=True)
            raise typer.Exit(1)
        typer.echo(f"{agency.name} ({level_label(agency.level)}, {agency.commune_name or agency.province_code})")
        say(f"Dịch vụ: {_service_names(agency.services)}", f"Services: {_service_names(agency.services)}")
        say(f"Giờ làm việc: {agency.hours or '-'}", f"Hours: {agency.hours or '-'}")
        for contact in agency.contacts:
            typer.echo(f"  {contact.chain_order}\t{contact.full_name}\t{contact.phone}\t{contact.note}")
