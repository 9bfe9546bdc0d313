"""Turning Ironic's ``target_raid_config`` into the software RAID arrays to create.

Only software RAID (``"controller": "software"``, the default here) is the agent's business;
each logical disk becomes one md array over whole disks: the ones it names in
``physical_disks``, or else every disk no earlier array took.
"""

from ironic_lite_agent import errors
from ironic_lite_agent.hardware.base import Disk

MIN_DEVICES = {"0": 2, "1": 2, "5": 3, "6": 4, "10": 4}


def plan(target_raid_config: dict, disks: list[Disk]) -> list[dict]:
    """The arrays ``[{name, level, devices, size_gb, is_root_volume}]`` for a RAID config.

    Raises NotSupported for a hardware controller or an unknown level, DeviceNotFound for a
    disk that is not there, and NotSupported when two arrays would share a disk."""
    logical = (target_raid_config or {}).get("logical_disks") or []
    if not logical:
        raise errors.NotSupported(err="target_raid_config has no logical_disks")
    by_name = {d.name: d for d in disks}
    used: set[str] = set()
    arrays = []
    for index, ld in enumerate(logical):
        controller = ld.get("controller", "software")
        if controller != "software":
            raise errors.NotSupported(
                err=f"logical disk {index} asks for controller {controller!r}; the agent only "
                "builds software RAID"
            )
        level = str(ld.get("raid_level", ""))
        if level not in MIN_DEVICES:
            raise errors.NotSupported(
                err=f"RAID level {level!r} is not supported (one of {', '.join(MIN_DEVICES)})"
            )
        names = [str(n).removeprefix("/dev/") for n in ld.get("physical_disks") or []]
        if not names:
            names = [d.name for d in disks if d.name not in used]
        missing = [n for n in names if n not in by_name]
        if missing:
            raise errors.DeviceNotFound(err=f"no disk named {', '.join(missing)} for RAID")
        shared = used.intersection(names)
        if shared:
            raise errors.NotSupported(
                err=f"disk {', '.join(sorted(shared))} is already in another array"
            )
        if len(names) < MIN_DEVICES[level]:
            raise errors.NotSupported(
                err=f"RAID {level} needs at least {MIN_DEVICES[level]} disks, "
                f"{len(names)} available"
            )
        used.update(names)
        arrays.append(
            {
                "name": f"md{index}",
                "level": level,
                "devices": [by_name[n].path for n in names],
                "size_gb": ld.get("size_gb", "MAX"),
                "is_root_volume": bool(ld.get("is_root_volume", False)),
            }
        )
    return arrays
