"""New rows in one statement: the insert-only transaction's flush without the ORM's unit of work.

A new report is a dozen new rows (ticket, raw report, case, history, decision, timers, outbox, fold
window, contact) and nothing else. The ORM's flush sorts them, INSERTs them table by table with a round
trip each and a RETURNING for every id, and does most of a report's bookkeeping on the way. `write_new`
writes the same rows, from the same mapped objects the domain code built, as ONE PostgreSQL statement:

    WITH ids AS MATERIALIZED (SELECT nextval('tickets_id_seq') AS i0, nextval('cases_id_seq') AS i1, ...),
    p AS (SELECT %s::jsonb AS a),
    w0 AS (INSERT INTO tickets (id, reference, received_at, ...) SELECT i0, a->>0, (a->>1)::timestamptz, ...
           FROM ids, p),
    w1 AS (INSERT INTO cases (id, ticket_id, ...) SELECT i1, i0, ... FROM ids, p),
    w2 AS (INSERT INTO timers (...) SELECT i2, i1, ... FROM ids, p UNION ALL SELECT i3, i1, ... FROM ids, p),
    ...
    SELECT * FROM ids

Every new row's id is drawn from its table's sequence by the statement itself, a child row's foreign key
is its parent's id by name, and the ids come back as the statement's one row. The foreign keys are
checked at the end of the statement (PostgreSQL's referential triggers), so the order of the inserts does
not matter; a unique key that is taken (a reference drawn twice) fails the statement as it failed the
flush (`IntegrityError`), the transaction is rolled back and nothing of it stays.

The values travel as one JSON array of texts, each cast back to its column's type in the statement: one
parameter whatever the number of rows (a statement with a hundred `%s` makes the driver parse it again and
dump a hundred values at every execution; `json.dumps` is one C call), and PostgreSQL prepares it after a
few runs. What the
ORM would have done to each value is done first: the column's Python default when the object has none,
then the column type's bind processing (encryption, UTC datetimes), set up once per mapper. The text of
the statement depends only on the shape (which tables, how many rows), the same for every report of a kind.

Anything else falls back to the ORM's flush (returns False, nothing done): another database (SQLite, the
demo, writes row by row anyway), a transaction that also changed or deleted rows, or something this does
not know (inheritance, many-to-many, SQL or server defaults, a value that is not text, number, bool or time).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Table, inspect
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE
from sqlalchemy.orm.interfaces import MANYTOMANY, MANYTOONE
from sqlalchemy.orm.state import InstanceState

_MISSING = object()
# The types a value is cast back to from text (character types need none).
_CASTS = {"TIMESTAMP WITH TIME ZONE": "timestamptz", "TIMESTAMP WITHOUT TIME ZONE": "timestamp", "BOOLEAN": "bool",
          "INTEGER": "int", "BIGINT": "bigint", "SMALLINT": "smallint", "DATE": "date", "FLOAT": "float8",
          "DOUBLE PRECISION": "float8", "JSON": "json", "JSONB": "jsonb"}


@dataclass(frozen=True)
class _Slot:
    """A value the statement computes itself: the id drawn for row `index` of the plan."""

    index: int


@dataclass
class _Shape:
    """How one mapper's objects become rows: per column, the attribute, the default and the bind processing."""

    table: Table
    name: str  # the table's name as the statement writes it
    sequence_key: str | None  # the attribute of an id drawn from the table's sequence, if the table has one
    columns: list[tuple[str, str, Callable[[], Any] | None, bool, Callable[[Any], Any] | None, str]]
    # per column of the table: (name, attribute, python default, has server default, bind processing, cast)
    many_to_one: list[tuple[str, list[tuple[str, str]]]]  # relationship, [(local attribute, remote attribute)]
    one_to_many: list[tuple[str, list[tuple[str, str]]]]  # relationship, [(parent attribute, child attribute)]
    evaluates_none: frozenset[str]  # attributes whose type writes None as a value of its own (JSON's null)


_shapes: dict[tuple[str, Mapper[Any]], _Shape | None] = {}
_sequences: dict[str, str | None] = {}
_statements: dict[tuple[Any, ...], str] = {}


class _Unknown(Exception):
    """Something the plan does not know how to write: the ORM's flush does it."""


def write_new(session: Session) -> bool:
    """INSERT every pending object of `session` in one statement and leave the session with nothing to
    flush (the objects are detached, their ids and foreign keys set). False, nothing done, when the
    transaction is not made only of new rows of known shape or the database is not PostgreSQL: the ORM's
    flush at the commit then writes them as before."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql" or not session.new or session.deleted or session.dirty:
        return False
    pending: list[InstanceState[Any]] = sorted((inspect(obj) for obj in session.new), key=lambda s: s.insert_order or 0)
    # One INSERT per table: a table's rows side by side, in the order they were added (their ids' order).
    first: dict[Mapper[Any], int] = {}
    for state in pending:
        first.setdefault(state.mapper, len(first))
    states = sorted(pending, key=lambda s: first[s.mapper])
    try:
        shapes = [_shape(session, state.mapper) for state in states]
        rows = _rows(states, shapes)
        statement, texts, kept = _statement(bind.dialect, shapes, rows)
    except _Unknown:
        return False
    drawn = session.connection().exec_driver_sql(statement, (json.dumps(texts, ensure_ascii=False),)).one()
    ids = dict(zip((n for n, shape in enumerate(shapes) if shape.sequence_key is not None), drawn, strict=True))
    for state, values in zip(states, kept, strict=True):
        for key, value in values.items():
            state.dict[key] = ids[value.index] if isinstance(value, _Slot) else value
    for state in states:
        obj = state.obj()
        if obj is not None and state.session_id is not None:
            session.expunge(obj)
    return True


def _rows(states: Sequence[InstanceState[Any]], shapes: Sequence[_Shape]) -> list[dict[str, Any]]:
    """Each object's values by attribute, its id and its new parents' ids as slots of the statement."""
    index = {id(state): n for n, state in enumerate(states)}
    rows: list[dict[str, Any]] = [dict(state.dict) for state in states]
    for n, shape in enumerate(shapes):
        if shape.sequence_key is not None:
            if rows[n].get(shape.sequence_key) is not None:
                raise _Unknown(shape.sequence_key)  # an id given by the caller: the ORM inserts it as given
            rows[n][shape.sequence_key] = _Slot(n)
    for state, shape, row in zip(states, shapes, rows, strict=True):
        for key, pairs in shape.many_to_one:
            parent = state.dict.get(key)
            if parent is None:
                continue
            parent_state = inspect(parent)
            parent_index = index.get(id(parent_state))
            for local, remote in pairs:
                if parent_index is not None:
                    row[local] = rows[parent_index].get(remote)
                elif remote in parent_state.dict:
                    row[local] = parent_state.dict[remote]
                else:
                    raise _Unknown(remote)  # an expired parent: the ORM loads it
        for key, pairs in shape.one_to_many:
            children = state.manager[key].impl.get_history(state, state.dict, PASSIVE_NO_INITIALIZE).added
            for child in children or ():
                child_index = index.get(id(inspect(child)))
                if child_index is None:
                    raise _Unknown(key)  # a child that is not new
                for parent_attr, child_attr in pairs:
                    rows[child_index][child_attr] = row.get(parent_attr)
    return rows


def _statement(
    dialect: Any, shapes: Sequence[_Shape], rows: Sequence[dict[str, Any]]
) -> tuple[str, list[str | None], list[dict[str, Any]]]:
    """The statement for these rows (cached by shape), its text array, and per row the values to set back."""
    texts: list[str | None] = []
    kept: list[dict[str, Any]] = []
    layout: list[tuple[str, bool, tuple[int | None, ...]]] = []
    for shape, row in zip(shapes, rows, strict=True):
        values: dict[str, Any] = {}
        cells: list[int | None] = []
        for _name, key, default, server_default, process, _cast in shape.columns:
            value = row.get(key, _MISSING)
            if value is None:  # the ORM leaves a None out of its INSERT, so the column's default fires
                if key in shape.evaluates_none:
                    raise _Unknown(key)
                value = _MISSING
            if value is _MISSING:
                if default is None and server_default:
                    raise _Unknown(key)  # the server's own default: the ORM leaves it out
                value = default() if default is not None else None
            values[key] = value
            if isinstance(value, _Slot):
                cells.append(value.index)
            else:
                texts.append(_as_text(process(value) if process is not None and value is not None else value))
                cells.append(None)
        kept.append(values)
        layout.append((shape.table.name, shape.sequence_key is not None, tuple(cells)))
    shape_key = (dialect.name, tuple(layout))
    text = _statements.get(shape_key)
    if text is None:
        text = _statements[shape_key] = _compose(shapes, layout)
    return text, texts, kept


def _as_text(value: Any) -> str | None:
    """A value as PostgreSQL reads it back from text (its column's cast in the statement)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise _Unknown(type(value).__name__)


def _compose(shapes: Sequence[_Shape], layout: Sequence[tuple[str, bool, tuple[int | None, ...]]]) -> str:
    draws = [f"nextval('{_sequences[shape.table.name]}') AS i{n}"
             for n, (shape, (_, drawn, _)) in enumerate(zip(shapes, layout, strict=True)) if drawn]
    parts = ["WITH ids AS MATERIALIZED (SELECT " + ", ".join(draws) + ")", "p AS (SELECT %s::jsonb AS a)"]
    by_table: dict[str, tuple[_Shape, list[str]]] = {}
    position = 0
    for shape, (_, _, cells) in zip(shapes, layout, strict=True):
        values = []
        for (_name, _key, _default, _server, _process, cast), cell in zip(shape.columns, cells, strict=True):
            if cell is None:
                values.append(f"(a->>{position}){cast}" if cast else f"a->>{position}")
                position += 1
            else:
                values.append(f"i{cell}")
        by_table.setdefault(shape.table.name, (shape, []))[1].append("SELECT " + ", ".join(values) + " FROM ids, p")
    for n, (shape, selects) in enumerate(by_table.values()):
        columns = ", ".join(name for name, *_ in shape.columns)
        parts.append(f'w{n} AS (INSERT INTO {shape.name} ({columns}) {" UNION ALL ".join(selects)})')
    return ",\n".join(parts) + "\nSELECT * FROM ids"


def _shape(session: Session, mapper: Mapper[Any]) -> _Shape:
    dialect = session.get_bind().dialect
    key = (dialect.name, mapper)
    if key not in _shapes:
        _shapes[key] = _make_shape(session, dialect, mapper)
    shape = _shapes[key]
    if shape is None:
        raise _Unknown(mapper.class_.__name__)
    return shape


def _make_shape(session: Session, dialect: Any, mapper: Mapper[Any]) -> _Shape | None:
    table = mapper.local_table
    if len(mapper.tables) != 1 or mapper.inherits is not None or not isinstance(table, Table):
        return None
    columns = []
    evaluates_none: set[str] = set()
    for column in table.columns:
        if column.type.should_evaluate_none:
            evaluates_none.add(mapper.get_property_by_column(column).key)
        default = _python_default(column)
        if default is False:
            return None
        processor = column.type.dialect_impl(dialect).bind_processor(dialect)
        kind = str(column.type.compile(dialect=dialect))
        cast = "" if kind == "TEXT" or kind.startswith("VARCHAR") else "::" + _CASTS.get(kind, kind)
        key = mapper.get_property_by_column(column).key
        columns.append((dialect.identifier_preparer.quote(column.name), key, default if callable(default) else None,
                        column.server_default is not None, processor, cast))
    sequence_key = None
    pk = list(table.primary_key.columns)
    if len(pk) == 1 and not pk[0].foreign_keys and pk[0].autoincrement in (True, "auto"):
        if table.name not in _sequences:
            _sequences[table.name] = session.connection().exec_driver_sql(
                "SELECT pg_get_serial_sequence(%s, %s)", (table.name, pk[0].name)).scalar()
        if _sequences[table.name] is None:
            return None
        sequence_key = mapper.get_property_by_column(pk[0]).key
    many_to_one: list[tuple[str, list[tuple[str, str]]]] = []
    one_to_many: list[tuple[str, list[tuple[str, str]]]] = []
    for rel in mapper.relationships:
        if rel.viewonly:
            continue
        if rel.direction is MANYTOMANY or rel.post_update or rel.secondary is not None:
            return None
        pairs = [(mapper.get_property_by_column(local).key, rel.mapper.get_property_by_column(remote).key)
                 for local, remote in rel.local_remote_pairs]
        (many_to_one if rel.direction is MANYTOONE else one_to_many).append((rel.key, pairs))
    name = dialect.identifier_preparer.format_table(table)
    return _Shape(table, name, sequence_key, columns, many_to_one, one_to_many, frozenset(evaluates_none))


def _python_default(column: Column[Any]) -> Callable[[], Any] | bool | None:
    """The column's Python-side default as a function of nothing; None if it has none; False if it is SQL."""
    default = column.default
    if default is None or getattr(default, "is_sequence", False) or getattr(default, "is_identity", False):
        return None
    if getattr(default, "is_clause_element", False):
        return False
    arg = default.arg  # type: ignore[attr-defined]
    if getattr(default, "is_callable", False):
        return lambda: arg(None)
    return lambda: arg
