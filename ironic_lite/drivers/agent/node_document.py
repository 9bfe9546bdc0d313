"""The node and its ports as the agent is sent them with each command, shaped like Ironic's.

IPA reads ``driver_info`` (burn-in settings), ``driver_internal_info`` (erase settings),
``properties`` (root device hints), ``instance_info`` and ``target_raid_config`` from it;
secrets are masked.
"""

from ironic_lite.common import masking

# How the agent erases disks, sent in driver_internal_info as Ironic's conductor does (its
# [deploy] defaults): IPA reads these, and without them falls back to its own.
ERASE_SETTINGS = {
    "agent_erase_devices_iterations": 1,
    "agent_erase_devices_zeroize": True,
    "agent_continue_if_ata_erase_failed": False,
    "agent_enable_ata_secure_erase": True,
    "agent_enable_nvme_secure_erase": True,
    "agent_continue_if_secure_erase_failed": False,
    "agent_erase_skip_read_only": False,
    "disk_erasure_concurrency": 4,
}


def node_doc(node: dict, driver_info: dict | None = None) -> dict:
    """The node as the agent sees it with each command, shaped like Ironic's (secrets
    masked): IPA reads driver_info (burn-in settings), driver_internal_info (erase
    settings), properties (root device hints) and instance_info."""
    info = node["driver_internal_info"] or {}
    return {
        "uuid": node["uuid"],
        "name": node.get("name"),
        "properties": node["properties"] or {},
        "instance_info": masking.mask_instance_info(node["instance_info"] or {}),
        "driver_info": masking.mask_driver_info(
            {**(node["driver_info"] or {}), **(driver_info or {})}
        ),
        "driver_internal_info": {**masking.mask(info), **ERASE_SETTINGS},
        "target_raid_config": node.get("target_raid_config") or {},
        "boot_mode": node.get("boot_mode"),
    }


def port_docs(task) -> list[dict]:
    return [{"address": p["address"], "pxe_enabled": p.get("pxe_enabled")} for p in task.ports]
