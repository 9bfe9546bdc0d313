"""What every API resource shares: selecting fields, listing a page, patching, creating.

A resource module declares one ``Resource`` (its path, what messages call it, its field
table, sort keys, patchable fields) and writes only what is its own: filters, rules, how a
row is drawn. The handling common to chassis, nodes, ports, portgroups, allocations, deploy
templates, runbooks, volume connectors and targets and inspection rules lives here once:
``?fields``/``?detail`` and paging as Ironic answers them, the ``{key: [...], next}``
collection, JSON-Patch applied to the patchable fields and validated, and the 201 with its
Location.
"""

import dataclasses
from collections.abc import Callable, Mapping, Sequence

from flask import Response

from ironic_lite.api import links, params, patch
from ironic_lite.api.collection import collection
from ironic_lite.api.responses import json_response
from ironic_lite.common import exceptions

Renderer = Callable[[dict], dict]


@dataclasses.dataclass(frozen=True)
class Resource:
    path: str  # under /v1: "chassis", "ports", "volume/connectors"
    kind: str  # what messages call one: "Chassis", "port", "volume connector"
    fields: Mapping[str, int]  # each selectable field -> the minor version that added it
    # The fields of a list without ?fields or ?detail (None: every field).
    list_default: Sequence[str] | None = None
    sortable: Mapping[str, int] = dataclasses.field(default_factory=dict)
    refused_sort: tuple[str, ...] = ()  # fields Ironic refuses to sort by (400)
    patchable: Sequence[str] = ()
    detail_feature: str = "detail_param"
    refuse_fields: Callable[[list[str], object], str] = params.fields_not_in_enum
    key: str | None = None  # the collection's key, when not the path's last segment
    marker_field: str = "uuid"  # what a page's marker names a row by

    # --- reading -----------------------------------------------------------------------------
    def selection(self, args: Mapping[str, str]) -> list[str] | None:
        """``?fields``: known, allowed at this version, lower-cased; None when not given."""
        return params.fields_arg(args, self.fields, self.refuse_fields)

    def listing(
        self,
        args: Mapping[str, str],
        path: str,
        detail_route: bool,
        fetch: Callable[[params.Paging], tuple[list[dict], bool]],
        draw: Callable[[list[str] | None], Renderer],
        find_marker: Callable[[str], object] | None = None,
    ) -> Response:
        """A page of the collection at ``path``: ``fetch`` reads the rows of a page, ``draw``
        makes the renderer for the wanted fields (None: every field)."""
        fields = None if detail_route else self.selection(args)
        detail = detail_route or bool(params.detail_arg(args, fields, self.detail_feature))
        paging = params.Paging(
            args,
            self.sortable,
            self.refused_sort,
            marker_is_uuid=self.marker_field == "uuid",
            find_marker=find_marker,
        )
        rows, more = fetch(paging)
        render = draw(None if detail else (fields or self.list_default))
        key = self.key or self.path.rsplit("/", 1)[-1]
        items = [render(r) for r in rows]
        return json_response(collection(key, items, rows, more, paging, path, self.marker_field))

    # --- writing -----------------------------------------------------------------------------
    def patched(
        self,
        row: dict,
        ops: list[dict],
        validate: Callable[[dict], dict | None],
        defaults: Mapping | None = None,
        document: dict | None = None,
    ) -> tuple[dict, dict]:
        """The patched document and the fields the patch changed.

        ``validate`` sees the patched document without nulls and may return normalised
        values; ``document`` replaces the row's patchable fields as what the patch applies
        to. A changed UUID is refused (400), as Ironic refuses it.
        """
        before = document if document is not None else {f: row.get(f) for f in self.patchable}
        after = patch.apply_patch(before, ops)
        normalised = validate({k: v for k, v in after.items() if v is not None})
        if normalised:
            after.update(normalised)
        changed = patch.changed_fields(before, after, self.patchable, defaults)
        if "uuid" in changed:
            raise exceptions.InvalidParameterValue(
                err=f"Cannot overwrite UUID for an existing {self.kind}."
            )
        return after, changed

    def created(self, row: dict, document: dict) -> Response:
        """201 with the new row's document and its Location."""
        location = f"{links.base_url()}/v1/{self.path}/{row['uuid']}"
        return json_response(document, 201, {"Location": location})
