"""The v1 API: one blueprint per resource."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from ironic_lite.api.v1 import (
        allocations,
        chassis,
        conductors,
        deploy_templates,
        drivers,
        events,
        inspection_rules,
        node_actions,
        node_bios,
        node_console,
        node_history,
        node_indicators,
        node_states,
        node_traits,
        node_vmedia,
        nodes,
        portgroups,
        ports,
        ramdisk,
        root,
        runbooks,
        shards,
        volume,
    )

    for module in (
        root,
        nodes,
        node_states,
        node_console,
        node_actions,
        node_history,
        node_traits,
        node_bios,
        node_vmedia,
        node_indicators,
        ports,
        portgroups,
        chassis,
        drivers,
        conductors,
        deploy_templates,
        runbooks,
        allocations,
        shards,
        events,
        volume,
        inspection_rules,
        ramdisk,
    ):
        app.register_blueprint(module.bp)
