"""Entry point for oslo-config-generator (namespace ``ironic_lite``)."""

from ironic_lite.conf import GROUP_MODULES


def list_opts() -> list:
    """All option groups, DEFAULT's options merged into one entry."""
    merged: dict = {}
    for module in GROUP_MODULES:
        for group, opts in module.list_opts():
            merged.setdefault(group, []).extend(opts)
    return list(merged.items())
