"""`hotline keys status` and `hotline keys rotate`: which key holds what, and moving it all to the newest.

Rotation re-encrypts every encrypted column of every table under the primary key (the first of
HOTLINE_DATA_KEYS), in batches of rows, one commit per batch. A row already under the primary key
is not selected again, so a rotation that was stopped resumes where it was by running it again.
It also encrypts the clear text that columns encrypted later still hold (case_history.reason,
route_records.decision). A value no key opens is reported (table, id, column) and left as it is.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import typer
from sqlalchemy import Column, Engine, TableClause, and_, bindparam, column, not_, or_, select, table, update

from core.crypto import CannotDecrypt, EncryptedJSON, EncryptedText, KeyRing, key_id_of, key_ring
from core.db import Base, get_engine

MODEL_MODULES = ("workflows.case.models", "notifier.models", "notifier.folding", "routing.models")

app = typer.Typer(help="Khóa mã hóa dữ liệu / data encryption keys.", no_args_is_help=True)


@dataclass(frozen=True)
class EncryptedTable:
    name: str
    key: str  # the primary key column
    columns: tuple[tuple[str, bool], ...]  # (column, clear text allowed from before it was encrypted)


@dataclass
class RotationReport:
    rewritten: int = 0  # values re-encrypted under the primary key
    rows: int = 0  # rows looked at
    unreadable: list[tuple[str, int, str]] = field(default_factory=list)  # (table, id, column)


def encrypted_tables() -> list[EncryptedTable]:
    """Every table with an encrypted column, from the models (a new encrypted column is included by itself)."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
    found = []
    for tbl in Base.metadata.sorted_tables:
        cols = tuple((c.name, _plaintext_ok(c)) for c in tbl.columns
                     if isinstance(c.type, EncryptedText | EncryptedJSON))
        if cols:
            found.append(EncryptedTable(tbl.name, next(iter(tbl.primary_key.columns)).name, cols))
    return found


def _plaintext_ok(col: Column[object]) -> bool:
    return isinstance(col.type, EncryptedJSON) or bool(getattr(col.type, "plaintext_ok", False))


def _raw(spec: EncryptedTable) -> TableClause:
    # Untyped columns: the stored text as it is, never through the decrypting type.
    return table(spec.name, column(spec.key), *(column(name) for name, _ in spec.columns))


def _needs_work(spec: EncryptedTable, raw: TableClause, primary: str) -> object:
    prefix = f"{primary}:"
    return or_(*(and_(raw.c[name].is_not(None), not_(raw.c[name].startswith(prefix, autoescape=True)))
                 for name, _ in spec.columns))


def pending_rows(engine: Engine, ring: KeyRing) -> int:
    total = 0
    with engine.connect() as conn:
        for spec in encrypted_tables():
            raw = _raw(spec)
            stmt = select(raw.c[spec.key]).where(_needs_work(spec, raw, ring.primary))  # type: ignore[arg-type]
            total += len(conn.execute(stmt).all())
    return total


def rotate(
    engine: Engine, *, ring: KeyRing | None = None, batch: int = 500,
    on_batch: Callable[[int], None] | None = None,
) -> RotationReport:
    """Re-encrypt everything not yet under the primary key; one commit per batch."""
    ring = ring or key_ring()
    report = RotationReport()
    for spec in encrypted_tables():
        for done in _rotate_table(engine, spec, ring, batch, report):
            if on_batch is not None:
                on_batch(done)
    return report


def _rotate_table(
    engine: Engine, spec: EncryptedTable, ring: KeyRing, batch: int, report: RotationReport
) -> Iterator[int]:
    raw = _raw(spec)
    key = raw.c[spec.key]
    watermark = None  # within this run: rows left behind (unreadable) are not selected again
    while True:
        with engine.begin() as conn:
            stmt = select(raw).where(_needs_work(spec, raw, ring.primary))  # type: ignore[arg-type]
            if watermark is not None:
                stmt = stmt.where(key > watermark)
            stmt = stmt.order_by(key).limit(batch)
            if conn.dialect.name != "sqlite":
                stmt = stmt.with_for_update(skip_locked=False)  # the app may be writing these rows meanwhile
            rows = conn.execute(stmt).mappings().all()
            if not rows:
                return
            by_columns: dict[tuple[str, ...], list[dict[str, object]]] = {}
            for row in rows:
                values = _reencrypted(spec, row, ring, report)
                if values:
                    by_columns.setdefault(tuple(sorted(values)), []).append({"row_key": row[spec.key], **values})
            for names, params in by_columns.items():  # one executemany per set of columns
                stmt_update = update(raw).where(key == bindparam("row_key")).values(
                    {name: bindparam(name) for name in names})
                conn.execute(stmt_update, params)
            watermark = rows[-1][spec.key]
            report.rows += len(rows)
        yield len(rows)


def _reencrypted(spec: EncryptedTable, row: object, ring: KeyRing, report: RotationReport) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, plaintext_ok in spec.columns:
        stored = row[name]  # type: ignore[index]
        if stored is None or str(stored).startswith(f"{ring.primary}:"):
            continue
        stored = str(stored)
        try:
            clear = stored if plaintext_ok and key_id_of(stored) is None else ring.decrypt(stored)
        except CannotDecrypt:
            report.unreadable.append((spec.name, int(row[spec.key]), name))  # type: ignore[index]
            continue
        values[name] = ring.encrypt(clear)
        report.rewritten += 1
    return values


def key_counts(engine: Engine, *, check: bool = False) -> dict[str, Counter[str]]:
    """Per 'table.column': how many values each key id holds ('legacy': before key ids; 'clear': not encrypted).

    With `check`, every value is also opened: those no key of the ring opens count as 'unreadable'.
    """
    ring = key_ring()
    counts: dict[str, Counter[str]] = {}
    with engine.connect() as conn:
        for spec in encrypted_tables():
            raw = _raw(spec)
            for name, plaintext_ok in spec.columns:
                counter = counts.setdefault(f"{spec.name}.{name}", Counter())
                for (stored,) in conn.execute(select(raw.c[name]).where(raw.c[name].is_not(None))):
                    kid = key_id_of(str(stored))
                    counter[kid or "clear"] += 1
                    if check and not (plaintext_ok and kid is None) and not _opens(ring, str(stored)):
                        counter["unreadable"] += 1
    return counts


def _opens(ring: KeyRing, stored: str) -> bool:
    try:
        ring.decrypt(stored)
    except CannotDecrypt:
        return False
    return True


@app.command("status")
def status_command(
    check: bool = typer.Option(False, "--check", help="mở thử từng giá trị / try to open every value"),
) -> None:
    """Số giá trị theo từng khóa / How many values each key id holds, per encrypted column."""
    ring = key_ring()
    typer.echo(f"khóa chính / primary key: {ring.primary}; vòng khóa / key ring: {', '.join(ring.kids)}")
    for where, counter in key_counts(get_engine(), check=check).items():
        shown = ", ".join(f"{kid} {n}" for kid, n in sorted(counter.items())) or "—"
        typer.echo(f"{where}: {shown}")


@app.command("rotate")
def rotate_command(
    batch: int = typer.Option(500, min=1, help="số dòng mỗi lần ghi / rows per commit"),
) -> None:
    """Mã hóa lại mọi dữ liệu bằng khóa mới nhất / Re-encrypt everything under the newest key (resumable)."""
    ring = key_ring()
    engine = get_engine()
    total = pending_rows(engine, ring)
    typer.echo(f"{total} dòng cần mã hóa lại bằng {ring.primary} / rows to re-encrypt under {ring.primary}")
    with typer.progressbar(length=total, label="keys rotate") as bar:
        report = rotate(engine, ring=ring, batch=batch, on_batch=bar.update)
    typer.echo(f"đã mã hóa lại / re-encrypted: {report.rewritten} giá trị / values in {report.rows} rows")
    for tbl, row_id, col in report.unreadable:
        typer.echo(f"không giải mã được / cannot decrypt: {tbl} id={row_id} {col}", err=True)
    if report.unreadable:
        typer.echo(f"{len(report.unreadable)} giá trị bị bỏ qua / values skipped (a key missing from "
                   "HOTLINE_DATA_KEYS?)", err=True)
        raise typer.Exit(1)
