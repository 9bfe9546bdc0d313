"""The one shape of a resource's plain queries: get, page, insert, update, delete.

A resource module declares a ``Crud`` (its table, how a row is read with its joins, which
unique columns map to which Conflict, what NotFound says) and exposes its bound methods as
its public functions; it keeps only what is its own (filters, locks, claims). Writes translate
a unique-constraint violation into the resource's typed 409 through ``translating``, which
the modules with hand-tuned queries (nodes) use on their own.
"""

import contextlib
import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping

from sqlalchemy import Connection, Select, Table, delete, exc, insert, select, update

from ironic_lite.common import exceptions
from ironic_lite.db import models, session
from ironic_lite.db.api._common import (
    new_uuid,
    one_or_none,
    paginate,
    raise_for_integrity,
    rows_to_dicts,
    split_page,
)

Conflicts = Mapping[str, Callable[[dict], exceptions.IronicLiteError]]


@contextlib.contextmanager
def translating(table: Table, values: dict, conflicts: Conflicts) -> Iterator[None]:
    """Turn an IntegrityError raised inside into the resource's typed error (409 or 400)."""
    try:
        yield
    except exc.IntegrityError as e:
        raise_for_integrity(e, table, values, conflicts)


@dataclasses.dataclass(frozen=True)
class Crud:
    table: Table
    not_found: Callable[[object], exceptions.IronicLiteError]
    conflicts: Conflicts = dataclasses.field(default_factory=dict)
    # The SELECT a row is read with (joins adding e.g. node_uuid); default: the table alone.
    shape: Callable[[], Select] | None = None
    # What an unknown marker raises; default: not_found.
    bad_marker: Callable[[str], exceptions.IronicLiteError] | None = None
    # Adds child rows (steps, traits) to rows read in the same connection.
    attach: Callable[[Connection, list[dict]], list[dict]] | None = None

    # --- reading -----------------------------------------------------------------------------
    def select(self) -> Select:
        return self.shape() if self.shape is not None else select(self.table)

    def read(self, conn: Connection, cond) -> dict | None:
        row = one_or_none(conn, self.select().where(cond))
        if row is not None and self.attach is not None:
            row = self.attach(conn, [row])[0]
        return row

    def get_where(self, cond, ident) -> dict:
        """The row matching ``cond``; ``not_found(ident)`` when there is none."""
        with session.reader() as conn:
            row = self.read(conn, cond)
        if row is None:
            raise self.not_found(ident)
        return row

    def get(self, ident: str | int) -> dict:
        """One row by id (an int) or UUID."""
        t = self.table
        return self.get_where(
            t.c.id == ident if isinstance(ident, int) else t.c.uuid == ident, ident
        )

    def page(
        self,
        conditions: Iterable = (),
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str = "id",
        sort_dir: str = "asc",
    ) -> tuple[list[dict], bool]:
        """A keyset page of rows matching ``conditions``, and whether another page exists."""
        t = self.table
        with session.reader() as conn:
            marker_row = None
            if marker is not None:
                marker_row = one_or_none(
                    conn, select(t.c.id, t.c[sort_key]).where(t.c.uuid == marker)
                )
                if marker_row is None:
                    raise (self.bad_marker or self.not_found)(marker)
            stmt = self.select()
            for cond in conditions:
                stmt = stmt.where(cond)
            stmt = paginate(stmt, t, sort_key, sort_dir, marker_row, limit)
            rows, more = split_page(rows_to_dicts(conn.execute(stmt)), limit)
            if self.attach is not None:
                rows = self.attach(conn, rows)
            return rows, more

    # --- writing -----------------------------------------------------------------------------
    def insert(self, values: dict, then: Callable[[Connection, int], None] | None = None) -> dict:
        """Insert a row (a new UUID unless given), run ``then`` in the same transaction, and
        return the row as read back."""
        values = dict(values)
        values.setdefault("uuid", new_uuid())
        with translating(self.table, values, self.conflicts), session.writer() as conn:
            row_id = conn.execute(insert(self.table).values(**values)).inserted_primary_key[0]
            if then is not None:
                then(conn, row_id)
            return self.read(conn, self.table.c.id == row_id)

    def update(
        self, row_id: int, changes: dict, then: Callable[[Connection, int], None] | None = None
    ) -> dict:
        """Change fields (and ``updated_at``), run ``then`` in the same transaction, and
        return the row as read back."""
        t = self.table
        values = dict(changes, updated_at=models.utcnow())
        with translating(t, values, self.conflicts), session.writer() as conn:
            if conn.execute(update(t).where(t.c.id == row_id).values(**values)).rowcount != 1:
                raise self.not_found(row_id)
            if then is not None:
                then(conn, row_id)
            return self.read(conn, t.c.id == row_id)

    def delete(
        self,
        row_id: int,
        ident: object = None,
        before: Callable[[Connection, int], None] | None = None,
    ) -> None:
        """Delete a row; ``before`` runs first in the same transaction (refuse, or remove
        children). ``ident`` is what NotFound names (default: the id)."""
        with session.writer() as conn:
            if before is not None:
                before(conn, row_id)
            t = self.table
            if conn.execute(delete(t).where(t.c.id == row_id)).rowcount != 1:
                raise self.not_found(row_id if ident is None else ident)
