"""API microversions: negotiation, response headers, and the table of what each version adds.

The version a request runs at is decided once, before the view, and kept on ``flask.g``.
Every gate in the views (an endpoint, a query parameter, a body field, a verb's option) names
a feature of ``FEATURES``, the one place that says which version added what: ``require`` (406
when the request is older), ``supports`` (for gates that answer otherwise, e.g. 404).
The per-resource field tables in ``views/`` say the same for the fields of each document.
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


# What each version added that a view gates on, named for the feature, in version order.
FEATURES: dict[str, Version] = {
    "available_state": Version(1, 2),  # "available" shown (older: no state)
    "node_names": Version(1, 5),
    "fields_param": Version(1, 8),
    "provision_state_filter": Version(1, 9),
    "enroll_state": Version(1, 11),  # new nodes start in enroll
    "raid_config": Version(1, 12),
    "abort": Version(1, 13),
    "driver_properties_link": Version(1, 14),
    "driver_filter": Version(1, 16),
    "resource_class_filter": Version(1, 21),
    "ramdisk_api": Version(1, 22),  # lookup and heartbeat
    "portgroups": Version(1, 23),
    "portgroup_subresources": Version(1, 24),  # ports of a portgroup, ?portgroup=
    "unset_chassis": Version(1, 25),
    "soft_power": Version(1, 27),  # soft reboot / power off and power timeouts
    "vifs": Version(1, 28),
    "inject_nmi": Version(1, 29),
    "dynamic_drivers": Version(1, 30),
    "volume": Version(1, 32),
    "rebuild_configdrive": Version(1, 35),
    "traits": Version(1, 37),
    "inspect_wait": Version(1, 39),
    "bios": Version(1, 40),
    "abort_inspect_wait": Version(1, 41),
    "fault_filter": Version(1, 42),
    "detail_param": Version(1, 43),
    "reset_interfaces": Version(1, 45),
    "conductor_group_filter": Version(1, 46),
    "conductors": Version(1, 49),
    "owner_filter": Version(1, 50),
    "allocations": Version(1, 52),
    "events": Version(1, 54),
    "deploy_templates": Version(1, 55),
    "configdrive_dict": Version(1, 56),
    "allocation_update": Version(1, 57),
    "allocation_backfill": Version(1, 58),
    "configdrive_vendor_data": Version(1, 59),
    "allocation_owner": Version(1, 60),
    "indicators": Version(1, 63),
    "llc_network_type": Version(1, 64),
    "lessee_filter": Version(1, 65),
    "vif_port_uuid": Version(1, 67),
    "deploy_steps": Version(1, 69),
    "disable_ramdisk": Version(1, 70),
    "bios_registry": Version(1, 74),
    "boot_mode_api": Version(1, 76),  # PUT states/boot_mode and states/secure_boot
    "driver_fields": Version(1, 77),
    "node_history": Version(1, 78),
    "node_inventory": Version(1, 81),
    "shards": Version(1, 82),
    "child_nodes": Version(1, 83),
    "continue_inspection": Version(1, 84),
    "firmware": Version(1, 86),
    "vmedia": Version(1, 89),
    "vtep_switch_info": Version(1, 90),
    "runbooks": Version(1, 92),
    "vmedia_list": Version(1, 93),
    "port_node_ident": Version(1, 94),
    "inspection_rules": Version(1, 96),
    "portgroup_conductor_groups_filter": Version(1, 99),
    "instance_name": Version(1, 104),  # also: VTEP switch info hidden again from here on
    "portgroup_shard_filter": Version(1, 106),
    "service_disable_ramdisk": Version(1, 108),
    "abort_deploy_wait": Version(1, 110),
    "runbook_traits": Version(1, 112),
}


def since(feature: str) -> int:
    """The minor version that added ``feature`` (KeyError for a name the table lacks)."""
    return FEATURES[feature].minor


def _current() -> Version:
    from flask import g  # the request's version; services pass theirs explicitly

    return g.version


def supports(feature: str, version: Version | None = None) -> bool:
    """Whether ``version`` (default: the current request's) has ``feature``."""
    return (version or _current()) >= FEATURES[feature]


def require(feature: str, message: str | None = None, version: Version | None = None) -> None:
    """406 unless ``version`` (default: the current request's) has ``feature``.

    Most gates name the version needed; gates that Ironic words otherwise pass ``message``.
    """
    require_minor(FEATURES[feature].minor, message, version)


def require_minor(minor: int, message: str | None = None, version: Version | None = None) -> None:
    """``require`` for the version tables kept as data elsewhere: the fields of a document
    (``views/``) and the verbs of the state machine (``common/states.VERBS``)."""
    if (version or _current()).minor < minor:
        raise exceptions.NotAcceptable(
            message
            or f"Request not acceptable. The minimal required API version should be 1.{minor}"
        )
