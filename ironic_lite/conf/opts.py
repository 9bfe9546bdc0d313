"""Entry point for oslo-config-generator (namespace ``ironic_lite``)."""

from ironic_lite.conf import (
    agent,
    api,
    conductor,
    database,
    default,
    dhcp,
    drivers,
    fake,
    ipmi,
    iso,
    pxe,
    rbac,
    redfish,
    service_catalog,
)


def list_opts() -> list:
    """All option groups, DEFAULT's options merged into one entry."""
    merged: dict = {}
    for module in (
        default,
        drivers,
        api,
        conductor,
        database,
        fake,
        ipmi,
        iso,
        pxe,
        dhcp,
        redfish,
        agent,
        rbac,
        service_catalog,
    ):
        for group, opts in module.list_opts():
            merged.setdefault(group, []).extend(opts)
    return list(merged.items())
