"""API microversions: negotiation, response headers, and the table of what each version adds.

The version a request runs at is decided once, before the view, and kept on ``flask.g``.
Everything gated by a version (fields of a resource, query parameters, verbs) is looked up in
the tables of this module, the one place that says which version introduced what.
"""

import re
from typing import NamedTuple

from ironic_lite.common import exceptions

HEADER = "X-OpenStack-Ironic-API-Version"
MIN_HEADER = "X-OpenStack-Ironic-API-Minimum-Version"
MAX_HEADER = "X-OpenStack-Ironic-API-Maximum-Version"
GENERIC_HEADER = "OpenStack-API-Version"
SERVICE_TYPE = "baremetal"


class Version(NamedTuple):
    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


MIN_VERSION = Version(1, 1)
MAX_VERSION = Version(1, 115)

# Nine digits at most: a longer number names no version, and converting thousands of digits
# is slow (and refused by int() past 4,300).
_VERSION_RE = re.compile(r"^\s*(\d{1,9})\.(\d{1,9})\s*$", re.ASCII)


class VersionNotAcceptable(exceptions.NotAcceptable):
    """406 whose body follows the shape Ironic uses for version negotiation failures."""


def _requested(headers) -> str | None:
    """The version asked for: a ``baremetal`` entry of the generic header wins over ours.

    An empty value counts as no value, as in Ironic.
    """
    generic = headers.get(GENERIC_HEADER)
    if generic:
        for part in generic.split(","):
            service, _, version = part.strip().partition(" ")
            if service.strip().lower() == SERVICE_TYPE and version.strip():
                return version.strip()
    return (headers.get(HEADER) or "").strip() or None


def negotiate(headers) -> Version:
    """The version a request asked for; the minimum when it names none."""
    raw = _requested(headers)
    if raw is None:
        return MIN_VERSION
    if raw.strip().lower() == "latest":
        return MAX_VERSION
    match = _VERSION_RE.match(raw)
    if not match:
        raise VersionNotAcceptable(f"Invalid value for {HEADER} header")
    version = Version(int(match.group(1)), int(match.group(2)))
    if version.major != MAX_VERSION.major:
        raise VersionNotAcceptable(
            f"Mutually exclusive versions requested. Version {version} requested but not "
            f"supported by this service. The supported version range is: "
            f"[{MIN_VERSION}, {MAX_VERSION}]."
        )
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise VersionNotAcceptable(
            f"Version {version} was requested but the minor version is not supported by this "
            f"service. The supported version range is: [{MIN_VERSION}, {MAX_VERSION}]."
        )
    return version


def response_headers(version: Version | None, generic: bool = False) -> dict[str, str]:
    """Headers every response carries: the range, and the chosen version once negotiated.

    ``generic`` echoes the version in ``OpenStack-API-Version`` for callers that asked with it.
    """
    headers = {MIN_HEADER: str(MIN_VERSION), MAX_HEADER: str(MAX_VERSION)}
    if version is not None:
        headers[HEADER] = str(version)
        if generic:
            headers[GENERIC_HEADER] = f"{SERVICE_TYPE} {version}"
    return headers


def at_least(version: Version, minor: int) -> bool:
    return version.minor >= minor
