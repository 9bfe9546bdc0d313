"""What /v1/deploy_templates and /v1/runbooks share: both are named, checked lists of steps.

A ``StepListAPI`` serves list/show/create/patch/delete for one of them; the resource modules
declare the differences (version, schema, how steps are ordered, extra rules).
"""

import dataclasses
import functools
from collections.abc import Callable

from flask import g

from ironic_lite.api import body, links, microversions, params, spec
from ironic_lite.api.identifiers import check_ident
from ironic_lite.api.microversions import supports
from ironic_lite.api.resource import Resource
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.rpc_client import rpcapi
from ironic_lite.api.views import step_lists as views
from ironic_lite.common import exceptions, step_rules

SORTABLE = ("id", "uuid", "name", "created_at", "updated_at")
LIST_QUERY = ("limit", "marker", "sort_key", "sort_dir", "detail", "fields")


@dataclasses.dataclass(frozen=True)
class StepListAPI:
    resource: str  # URL segment and collection key: "deploy_templates", "runbooks"
    kind: str  # "deploy template", "runbook"
    feature: str  # the microversion feature that added the resource
    fields: dict[str, int]
    create_schema: dict
    patchable: list[str]
    order: str  # the step key that orders steps: "priority" or "order"
    step_kinds: tuple[str, ...]  # which flows may run the steps: ("deploy",), ("clean", ...)
    db_get: Callable[[str], dict]
    db_list: Callable[..., tuple[list[dict], bool]]
    db_create: Callable[..., dict]
    db_update: Callable[..., dict]
    db_destroy: Callable[[int], None]
    # Extra checks of a whole (created or patched) document: raise to refuse it.
    check_document: Callable[[dict], None] = lambda doc: None

    # --- helpers -----------------------------------------------------------------------------
    @functools.cached_property
    def common(self) -> Resource:
        return Resource(
            self.resource,
            self.kind,
            fields=self.fields,
            list_default=views.LIST_DEFAULT,
            sortable=dict.fromkeys(SORTABLE, 1),
            refused_sort=("extra", "steps"),
            patchable=self.patchable,
            detail_feature=self.feature,
        )

    def require_version(self) -> None:
        if not supports(self.feature):
            raise exceptions.ResourceNotFound()

    def find(self, ident: str) -> dict:
        self.require_version()
        check_ident(ident, self.kind.replace(" ", "_"))
        return self.db_get(ident)

    def _wanted(self, fields: list[str] | None) -> list[str]:
        if fields is None:
            return [f for f, v in self.fields.items() if v <= g.version.minor]
        return list(dict.fromkeys([*fields, "links"]))

    def render(self, row: dict, fields: list[str] | None = None) -> dict:
        return views.render(row, self._wanted(fields), links.base_url(), self.resource)

    def normalise_steps(self, steps: list[dict]) -> list[dict]:
        """Steps with integer priority/order, checked against what enabled interfaces offer."""
        result = [dict(s, **{self.order: int(s[self.order])}) for s in steps]
        offered: dict[tuple[str, str], dict] = {}
        for kind in self.step_kinds:
            for step in rpcapi().list_offered_steps(g.context, kind=kind):
                offered.setdefault((step["interface"], step["step"]), step)
        seen = set()
        for step in result:
            key = (step["interface"], step["step"])
            name = f"{step['interface']}.{step['step']}"
            if self.order == "priority" and key in seen:
                raise exceptions.InvalidParameterValue(
                    err=f"Duplicate deploy steps for {name}: a deploy template may name each "
                    "step once."
                )
            seen.add(key)
            if step["step"] in step_rules.FLOW_CONTROL:
                step_rules.check_wait_args(step)
                continue
            found = offered.get(key)
            if found is None and (step["interface"], "*") in offered:
                # A step only an agent may offer: its name and arguments are the agent's to
                # check, when a node runs it.
                continue
            if found is None:
                names = ", ".join(f"{i}.{n}" for i, n in sorted(offered) if n != "*") or "none"
                raise exceptions.InvalidParameterValue(
                    err=f"The {'/'.join(self.step_kinds)} step {name} of {self.kind} is not "
                    f"offered by any enabled interface (offered: {names})"
                )
            step_rules.check_args(step, found["argsinfo"], self.step_kinds[0])
        return result

    # --- handlers ------------------------------------------------------------------------------
    def list(self, detail_route: bool = False, projects: list[str] | None = None):
        self.require_version()
        return self.common.listing(
            spec.arguments(),
            self.resource,
            detail_route,
            lambda p: self.db_list(p.limit, p.marker, p.sort_key, p.sort_dir, projects=projects),
            lambda wanted: lambda row: self.render(row, wanted),
        )

    def show(self, ident: str):
        self.require_version()
        fields = self.common.selection(spec.arguments())
        return json_response(self.render(self.find(ident), fields))

    def create(self, owner_default: str | None = None):
        self.require_version()
        doc = spec.body()
        self._check_gated(doc)
        self.check_document(doc)
        steps = self.normalise_steps(doc.pop("steps"))
        traits = doc.pop("traits", None)
        values = {k: v for k, v in doc.items() if v is not None}
        if owner_default is not None:
            values["owner"] = owner_default
        for flag in ("public", "disable_ramdisk"):
            if flag in values:
                values[flag] = params.parse_bool(flag, values[flag])
        row = self.db_create(values, steps, *([traits] if traits is not None else []))
        return self.common.created(row, self.render(row))

    def update(self, ident: str):
        row = self.find(ident)
        patched, changed = self.common.patched(
            row, spec.body(), lambda doc: body.validate(doc, self.create_schema, self.kind)
        )
        self._check_gated(changed)
        self.check_document(patched)
        steps = self.normalise_steps(changed.pop("steps")) if "steps" in changed else None
        if "extra" in changed and changed["extra"] is None:
            changed["extra"] = {}
        if changed or steps is not None:
            row = self.db_update(row["id"], changed, steps)
        return json_response(self.render(row))

    def delete(self, ident: str):
        row = self.find(ident)
        self.db_destroy(row["id"])
        return no_content()

    def _check_gated(self, doc: dict) -> None:
        for name in doc:
            if self.fields.get(name, 0) > g.version.minor:
                microversions.require_minor(self.fields[name])
