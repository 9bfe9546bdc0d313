"""Query-string parsing shared by every collection: booleans, paging, sorting, fields, detail.

Each rule here answers the way Ironic does (400 for a malformed value, 406 for something the
negotiated version does not have yet), so views only declare what they accept.
"""

from collections.abc import Callable, Iterable, Mapping

from flask import g, request

from ironic_lite.api import microversions
from ironic_lite.common import exceptions
from ironic_lite.conf import CONF
from ironic_lite.db.api import is_uuid

_TRUE = {"1", "t", "true", "on", "y", "yes"}
_FALSE = {"0", "f", "false", "off", "n", "no"}


def minor() -> int:
    return g.version.minor


# The bare 406 text Ironic gives for some gates (fields, provision_state, sort keys, body fields).
NOT_ACCEPTABLE = "Request not acceptable."


def require_version(feature: str | None, message: str | None = None) -> None:
    """406 unless the request's version has ``feature`` (``None``: every version has it)."""
    if feature is not None:
        microversions.require(feature, message)


def parse_bool(name: str, value: str | bool | None) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise exceptions.InvalidParameterValue(
        err=f"Invalid {name}: Unrecognized value '{value}', acceptable values are: "
        "'0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'"
    )


def check_arguments(allowed: Iterable[str]) -> Mapping[str, str]:
    """The query arguments, after refusing any the endpoint does not know."""
    args = request.args
    unknown = [k for k in args if k not in allowed]
    if unknown:
        raise exceptions.InvalidParameterValue(err=f"Unexpected arguments: {', '.join(unknown)}")
    return args


def flag(args: Mapping[str, str], name: str, feature: str | None = None) -> bool | None:
    value = args.get(name)
    if value is None:
        return None
    require_version(feature)
    return parse_bool(name, value)


def text(
    args: Mapping[str, str], name: str, feature: str | None = None, refusal: str | None = None
) -> str | None:
    """A plain string argument; ``refusal`` is the 406 text when the version is too old."""
    value = args.get(name)
    if value is None:
        return None
    require_version(feature, refusal)
    return value


def uuid_arg(args: Mapping[str, str], name: str) -> str | None:
    value = args.get(name)
    if value is not None and not is_uuid(value):
        raise exceptions.InvalidParameterValue(err=f"Expected UUID for {name}: {value}")
    return value


def comma_list(
    args: Mapping[str, str], name: str, feature: str | None = None, lower: bool = False
) -> list[str] | None:
    value = args.get(name)
    if value is None:
        return None
    require_version(feature)
    items = [v.strip() for v in value.split(",") if v.strip()]
    return [v.lower() for v in items] if lower else items


class Paging:
    """limit / marker / sort_key / sort_dir of one list request."""

    def __init__(
        self,
        args: Mapping[str, str],
        sortable: Mapping[str, int],
        refused: Iterable[str],
        default_sort: str = "id",
        marker_is_uuid: bool = True,
        find_marker: Callable[[str], object] | None = None,
    ):
        """``find_marker`` looks the marker up; its NotFound makes an unknown marker a 404."""
        self.limit = self._limit(args.get("limit"))
        self.marker = args.get("marker")
        if self.marker is not None and marker_is_uuid and not is_uuid(self.marker):
            raise exceptions.InvalidParameterValue(err=f"Expected UUID for marker: {self.marker}")
        self.sort_dir = (args.get("sort_dir") or "asc").lower()
        if self.sort_dir not in ("asc", "desc"):
            raise exceptions.InvalidParameterValue(
                err=f"Invalid sort direction: {args.get('sort_dir')}. "
                "Acceptable values are 'asc' or 'desc'"
            )
        self.sort_key = args.get("sort_key") or default_sort
        if self.sort_key in set(refused):
            raise exceptions.InvalidParameterValue(
                err=f"The sort_key value {self.sort_key} is an invalid field for sorting"
            )
        if self.sort_key not in sortable:
            raise exceptions.InvalidParameterValue(
                err=f'The sort_key value "{self.sort_key}" is an invalid field for sorting'
            )
        microversions.require_minor(sortable[self.sort_key], NOT_ACCEPTABLE)
        if self.marker is not None and find_marker is not None:
            find_marker(self.marker)

    @staticmethod
    def _limit(raw: str | None) -> int:
        if raw is None:
            return CONF.api.max_limit
        try:
            value = int(raw)
        except ValueError:
            raise exceptions.InvalidParameterValue(
                err=f"Expected an integer for limit: {raw}"
            ) from None
        if value <= 0:
            raise exceptions.InvalidParameterValue(err="Limit must be positive")
        return min(value, CONF.api.max_limit)


def fields_not_valid(unknown: list[str], available: Iterable[str]) -> str:
    """How ports (and most older endpoints) refuse unknown ``fields``."""
    return f'Field(s) "{", ".join(unknown)}" are not valid'


def field_not_valid(unknown: list[str], available: Iterable[str]) -> str:
    """How nodes refuse an unknown ``fields`` entry: the first one, by name."""
    return f"Field {unknown[0]} is not a valid field."


def fields_not_in_enum(unknown: list[str], available: Iterable[str]) -> str:
    """How endpoints validating ``fields`` with a JSON-schema enum refuse an unknown entry."""
    return f"Schema error: '{unknown[0]}' is not one of {sorted(available)}"


def fields_arg(
    args: Mapping[str, str],
    available: Mapping[str, int],
    refuse: Callable[[list[str], Iterable[str]], str] = fields_not_valid,
) -> list[str] | None:
    """The ``fields`` selection: lower-cased, de-duplicated, each known and allowed (1.8+).

    ``available`` maps each selectable name to the minor version introducing it; ``refuse``
    words the 400 for names outside it, as the resource's Ironic counterpart does.
    """
    raw = args.get("fields")
    if raw is None:
        return None
    require_version("fields_param", NOT_ACCEPTABLE)
    wanted = list(dict.fromkeys(f.strip().lower() for f in raw.split(",") if f.strip()))
    unknown = [f for f in wanted if f not in available]
    if unknown:
        raise exceptions.InvalidParameterValue(err=refuse(unknown, available))
    for name in wanted:
        if g.version.minor < available[name]:
            raise exceptions.NotAcceptable()
    return wanted


def detail_arg(
    args: Mapping[str, str], fields: list[str] | None, feature: str = "detail_param"
) -> bool | None:
    raw = args.get("detail")
    if raw is None:
        return None
    value = parse_bool("detail", raw)
    if not microversions.supports(feature):
        raise exceptions.InvalidParameterValue(
            err=f"Invalid query parameter ?detail={value} received."
        )
    if value and fields is not None:
        raise exceptions.InvalidParameterValue(
            err="Can not specify ?detail=True and fields in the same request."
        )
    return value
