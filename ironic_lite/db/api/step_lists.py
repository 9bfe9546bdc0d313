"""Queries on named lists of steps: deploy templates and runbooks.

Both are a row with a child table of steps (deploy templates order theirs by priority,
runbooks by an explicit order); runbooks also carry traits. One ``StepLists`` object per
resource holds the queries; the module exports its methods under resource names.
"""

import dataclasses
import functools

from sqlalchemy import Table, delete, insert, or_, select, update

from ironic_lite.common import exceptions
from ironic_lite.db import models, session
from ironic_lite.db.api._common import (
    is_uuid,
    rows_to_dicts,
)
from ironic_lite.db.api.crud import Crud

__all__ = [
    "get_deploy_template",
    "list_deploy_templates",
    "create_deploy_template",
    "update_deploy_template",
    "destroy_deploy_template",
    "deploy_templates_named",
    "get_runbook",
    "list_runbooks",
    "create_runbook",
    "update_runbook",
    "destroy_runbook",
    "set_runbook_traits",
    "add_runbook_trait",
    "delete_runbook_trait",
]


@dataclasses.dataclass(frozen=True)
class StepLists:
    kind: str  # what error messages call one row: "deploy template", "runbook"
    table: Table
    steps: Table
    parent: str  # the steps' column pointing at the row
    order: str  # the steps' column that orders them
    traits: Table | None = None

    # --- reading -----------------------------------------------------------------------------
    def _attach(self, conn, rows: list[dict]) -> list[dict]:
        """Add each row's steps (and traits) with one query per child table."""
        if not rows:
            return rows
        ids = [r["id"] for r in rows]
        by_id = {r["id"]: dict(r, steps=[]) for r in rows}
        parent = self.steps.c[self.parent]
        stmt = (
            select(self.steps)
            .where(parent.in_(ids))
            .order_by(parent, self.steps.c[self.order], self.steps.c.id)
        )
        for step in rows_to_dicts(conn.execute(stmt)):
            by_id[step[self.parent]]["steps"].append(
                {
                    "interface": step["interface"],
                    "step": step["step"],
                    "args": step["args"] or {},
                    self.order: step[self.order],
                }
            )
        if self.traits is not None:
            for row in by_id.values():
                row["traits"] = []
            stmt = (
                select(self.traits.c.runbook_id, self.traits.c.trait)
                .where(self.traits.c.runbook_id.in_(ids))
                .order_by(self.traits.c.trait)
            )
            for runbook_id, trait in conn.execute(stmt):
                by_id[runbook_id]["traits"].append(trait)
        return [by_id[i] for i in ids]

    @functools.cached_property
    def crud(self) -> Crud:
        return Crud(
            self.table,
            not_found=lambda ident: exceptions.ResourceNotFound(
                f"{self.kind.capitalize()} {ident} could not be found."
            ),
            conflicts={
                "name": lambda v: exceptions.DuplicateName(resource=self.kind, name=v.get("name")),
                "uuid": lambda v: exceptions.AlreadyExists(resource=self.kind, uuid=v.get("uuid")),
            },
            attach=self._attach,
        )

    def get(self, ident: str | int) -> dict:
        """One row by id, UUID or name, with its steps."""
        t = self.table
        if isinstance(ident, int):
            cond = t.c.id == ident
        else:
            cond = t.c.uuid == ident if is_uuid(ident) else t.c.name == ident
        return self.crud.get_where(cond, ident)

    def page(
        self,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str = "id",
        sort_dir: str = "asc",
        projects: list[str] | None = None,
    ) -> tuple[list[dict], bool]:
        """A page of rows; ``projects`` keeps those owned by one of them (and public ones)."""
        t = self.table
        conditions = []
        if projects is not None:
            conditions.append(or_(t.c.owner.in_(projects), t.c.public.is_(True)))
        return self.crud.page(conditions, limit, marker, sort_key, sort_dir)

    def named(self, names: list[str]) -> list[dict]:
        """Every row whose name is one of ``names``, with steps (deploy templates by trait)."""
        if not names:
            return []
        with session.reader() as conn:
            rows = rows_to_dicts(
                conn.execute(
                    select(self.table)
                    .where(self.table.c.name.in_(sorted(set(names))))
                    .order_by(self.table.c.name)
                )
            )
            return self._attach(conn, rows)

    # --- writing -----------------------------------------------------------------------------
    def _write_steps(self, conn, row_id: int, steps: list[dict]) -> None:
        conn.execute(delete(self.steps).where(self.steps.c[self.parent] == row_id))
        if steps:
            conn.execute(
                insert(self.steps),
                [
                    {
                        self.parent: row_id,
                        "interface": s["interface"],
                        "step": s["step"],
                        "args": s.get("args") or {},
                        self.order: s[self.order],
                        "created_at": models.utcnow(),
                    }
                    for s in steps
                ],
            )

    def _write_traits(self, conn, row_id: int, traits: list[str]) -> None:
        conn.execute(delete(self.traits).where(self.traits.c.runbook_id == row_id))
        unique = list(dict.fromkeys(traits))
        if unique:
            now = models.utcnow()
            conn.execute(
                insert(self.traits),
                [{"runbook_id": row_id, "trait": t, "created_at": now} for t in unique],
            )

    def create(self, values: dict, steps: list[dict], traits: list[str] | None = None) -> dict:
        def children(conn, row_id: int) -> None:
            self._write_steps(conn, row_id, steps)
            if self.traits is not None and traits:
                self._write_traits(conn, row_id, traits)

        return self.crud.insert(values, then=children)

    def update(self, row_id: int, changes: dict, steps: list[dict] | None = None) -> dict:
        """Change fields and, when ``steps`` is given, replace the steps, in one transaction."""

        def children(conn, row_id: int) -> None:
            if steps is not None:
                self._write_steps(conn, row_id, steps)

        return self.crud.update(row_id, changes, then=children)

    def destroy(self, row_id: int) -> None:
        def children(conn, row_id: int) -> None:
            conn.execute(delete(self.steps).where(self.steps.c[self.parent] == row_id))
            if self.traits is not None:
                conn.execute(delete(self.traits).where(self.traits.c.runbook_id == row_id))

        self.crud.delete(row_id, before=children)

    # --- traits (runbooks) ---------------------------------------------------------------------
    def _touch(self, conn, row_id: int) -> None:
        stmt = update(self.table).where(self.table.c.id == row_id)
        if conn.execute(stmt.values(updated_at=models.utcnow())).rowcount != 1:
            raise self.crud.not_found(row_id)

    def set_traits(self, row_id: int, traits: list[str]) -> list[str]:
        with session.writer() as conn:
            self._touch(conn, row_id)
            self._write_traits(conn, row_id, traits)
        return sorted(set(traits))

    def add_trait(self, row_id: int, trait: str) -> None:
        with session.writer() as conn:
            self._touch(conn, row_id)
            t = self.traits
            found = conn.execute(
                select(t.c.trait).where(t.c.runbook_id == row_id, t.c.trait == trait)
            ).first()
            if found is None:
                conn.execute(
                    insert(t).values(runbook_id=row_id, trait=trait, created_at=models.utcnow())
                )

    def delete_trait(self, row_id: int, trait: str | None) -> None:
        """Remove one trait (or all with None); removing one it lacks is no error (Ironic)."""
        with session.writer() as conn:
            self._touch(conn, row_id)
            t = self.traits
            stmt = delete(t).where(t.c.runbook_id == row_id)
            if trait is not None:
                stmt = stmt.where(t.c.trait == trait)
            conn.execute(stmt)


_TEMPLATES = StepLists(
    "deploy template",
    models.DeployTemplate.__table__,
    models.DeployTemplateStep.__table__,
    "deploy_template_id",
    "priority",
)
_RUNBOOKS = StepLists(
    "runbook",
    models.Runbook.__table__,
    models.RunbookStep.__table__,
    "runbook_id",
    "order",
    traits=models.RunbookTrait.__table__,
)

get_deploy_template = _TEMPLATES.get
list_deploy_templates = _TEMPLATES.page
create_deploy_template = _TEMPLATES.create
update_deploy_template = _TEMPLATES.update
destroy_deploy_template = _TEMPLATES.destroy
deploy_templates_named = _TEMPLATES.named

get_runbook = _RUNBOOKS.get
list_runbooks = _RUNBOOKS.page
create_runbook = _RUNBOOKS.create
update_runbook = _RUNBOOKS.update
destroy_runbook = _RUNBOOKS.destroy
set_runbook_traits = _RUNBOOKS.set_traits
add_runbook_trait = _RUNBOOKS.add_trait
delete_runbook_trait = _RUNBOOKS.delete_trait
