"""Query building blocks shared by the resource modules of ``db.api``.

Lists are paged by keyset: ``ORDER BY sort_key, id`` and a marker row, so page N costs the same
as page 1. Nullable sort keys order NULLs last (ascending) on every database.
"""

import re
import uuid as uuidlib
from collections.abc import Callable, Iterable

from sqlalchemy import Column, Connection, Select, Table, and_, exc, false, or_, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import Text

from ironic_lite.common import exceptions

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
    r"[0-9a-fA-F]{12}$"
)


def is_uuid(value) -> bool:
    return isinstance(value, str) and bool(UUID_RE.match(value))


def new_uuid() -> str:
    return str(uuidlib.uuid4())


class comma_joined(GenericFunction):  # noqa: N801 - named like the SQL functions it renders
    """Values of a column joined with commas, as one string (NULL for no rows)."""

    type = Text()
    inherit_cache = True


@compiles(comma_joined)
def _comma_joined_default(element, compiler, **kw):
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(comma_joined, "mysql")
def _comma_joined_mysql(element, compiler, **kw):
    return f"group_concat({compiler.process(element.clauses, **kw)} SEPARATOR ',')"


@compiles(comma_joined, "postgresql")
def _comma_joined_postgresql(element, compiler, **kw):
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


class Prepared:
    """A SELECT compiled once per dialect and run straight on the DB-API cursor.

    For the hottest reads (one node by UUID, a page of nodes): SQLAlchemy's execution layer
    costs more CPU than the query itself there. Result values go through the same type
    processors SQLAlchemy would apply, so rows read back exactly as through Core.
    """

    def __init__(self, stmt: Select):
        self.stmt = stmt
        self._compiled: dict[str, tuple] = {}

    def _for(self, dialect) -> tuple:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.stmt.compile(dialect=dialect)
            columns = list(self.stmt.selected_columns)
            keys = [col.key for col in columns]
            processors = [
                col.type.dialect_impl(dialect).result_processor(dialect, None) for col in columns
            ]
            found = (str(compiled), compiled.positiontup, keys, processors)
            self._compiled[dialect.name] = found
        return found

    def rows(self, conn: Connection, params: dict) -> list[dict]:
        sql, positions, keys, processors = self._for(conn.dialect)
        args = tuple(params[name] for name in positions) if positions else params
        pairs = list(zip(keys, processors, strict=True))
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql, args)
            # Converted row by row as the cursor yields them: a page of 1,000 detailed nodes
            # never exists twice (raw and converted) in memory.
            return [
                {
                    key: (proc(value) if proc is not None else value)
                    for (key, proc), value in zip(pairs, row, strict=True)
                }
                for row in cursor
            ]
        finally:
            cursor.close()


def rows_to_dicts(result) -> list[dict]:
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def one_or_none(conn: Connection, stmt: Select) -> dict | None:
    result = conn.execute(stmt)
    keys = list(result.keys())
    row = result.first()
    return None if row is None else dict(zip(keys, row, strict=True))


def paginate(
    stmt: Select,
    table: Table,
    sort_key: str,
    sort_dir: str,
    marker: dict | None,
    limit: int | None,
) -> Select:
    """Order ``stmt`` by ``sort_key`` then id, start after ``marker`` and fetch limit + 1 rows.

    The extra row tells the caller whether another page exists without a COUNT query.
    """
    col: Column = table.c[sort_key]
    idc: Column = table.c.id
    asc = sort_dir == "asc"
    nullable = col.nullable and sort_key != "id"
    if nullable:
        nulls = col.is_(None)
        order = (
            [nulls.asc(), col.asc(), idc.asc()] if asc else [nulls.desc(), col.desc(), idc.desc()]
        )
    else:
        order = [col.asc(), idc.asc()] if asc else [col.desc(), idc.desc()]
        if sort_key == "id":
            order = order[:1]
    stmt = stmt.order_by(*order)
    if marker is not None:
        mval, mid = marker[sort_key], marker["id"]
        after_id = idc > mid if asc else idc < mid
        if sort_key == "id":
            cond = after_id
        elif not nullable:
            beyond = col > mval if asc else col < mval
            cond = or_(beyond, and_(col == mval, after_id))
        elif mval is None:
            cond = (
                and_(col.is_(None), after_id)
                if asc
                else or_(col.is_not(None), and_(col.is_(None), after_id))
            )
        else:
            beyond = col > mval if asc else col < mval
            tail = col.is_(None) if asc else false()
            cond = or_(beyond, and_(col == mval, after_id), tail)
        stmt = stmt.where(cond)
    if limit:
        stmt = stmt.limit(limit + 1)
    return stmt


def split_page(rows: list[dict], limit: int | None) -> tuple[list[dict], bool]:
    if limit and len(rows) > limit:
        return rows[:limit], True
    return rows, False


def bool_filter(col: Column, value: bool):
    return col.is_(true()) if value else or_(col.is_(false()), col.is_(None))


def duplicate_columns(error: exc.IntegrityError, table: Table) -> set[str] | None:
    """Columns of the unique constraint ``error`` violated, or None if it was not one.

    SQLite names the columns; PostgreSQL and MySQL name the constraint.
    """
    text = str(error.orig)
    match = re.search(r"UNIQUE constraint failed: ([\w., ]+)", text)
    if match:
        return {part.strip().split(".")[-1] for part in match.group(1).split(",")}
    names: Iterable = [c for c in table.constraints if getattr(c, "columns", None)]
    for constraint in names:
        if constraint.name and re.search(rf"\b{re.escape(constraint.name)}\b", text):
            return {c.name for c in constraint.columns}
    for index in table.indexes:
        if index.unique and index.name and index.name in text:
            return {c.name for c in index.columns}
    if "Duplicate entry" in text or "duplicate key" in text or "UNIQUE" in text:
        return set()
    return None


def raise_for_integrity(
    error: exc.IntegrityError,
    table: Table,
    values: dict,
    conflicts: dict[str, Callable[[dict], exceptions.IronicLiteError]],
) -> None:
    """Translate a constraint violation into the typed error named by ``conflicts``."""
    columns = duplicate_columns(error, table)
    if columns is None:
        raise exceptions.Invalid(
            f"The {table.name} change violates a database constraint."
        ) from error
    for column, exc_factory in conflicts.items():
        if column in columns:
            raise exc_factory(values) from error
    raise exceptions.Conflict(
        f"The {table.name} change conflicts with an existing record "
        f"({', '.join(sorted(columns)) or 'unique value'})."
    ) from error
