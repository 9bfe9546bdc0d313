"""RAID volumes through the system's Redfish Storage: its controllers, drives and Volumes.

The node's ``target_raid_config`` (``{"logical_disks": [...]}``, Ironic's schema) is checked
and planned here, then each volume is one POST to the controller's Volumes collection. The
plan is pure (``plan``): each logical disk gets drives chosen by the space they have left,
the root volume and the sized volumes first and ``size_gb: "MAX"`` ones last, so a MAX volume
takes what the others leave. After creating, ``raid_config`` records each logical disk with
the volume id and the size the BMC reports.
"""

import dataclasses
import logging

from sushy import exceptions as sushy_exc

from ironic_lite.common import exceptions
from ironic_lite.drivers import base
from ironic_lite.drivers.redfish import client

LOG = logging.getLogger(__name__)

GIB = 1024**3
# Ironic's raid_level -> Redfish RAIDType, the fewest drives it needs, and how many drives'
# worth of its n drives hold data (the rest hold mirrors or parity).
RAID_LEVELS = {
    "0": ("RAID0", 1, lambda n: n),
    "1": ("RAID1", 2, lambda n: 1),
    "5": ("RAID5", 3, lambda n: n - 1),
    "6": ("RAID6", 4, lambda n: n - 2),
    "1+0": ("RAID10", 4, lambda n: n // 2),
    "5+0": ("RAID50", 6, lambda n: n - 2),
    "6+0": ("RAID60", 8, lambda n: n - 4),
}
_BY_TYPE = {redfish: level for level, (redfish, _, _) in RAID_LEVELS.items()}

CREATE_ARGSINFO = {
    "create_root_volume": {
        "description": "Create the logical disk marked is_root_volume (default true).",
        "required": False,
    },
    "create_nonroot_volumes": {
        "description": "Create the logical disks not marked is_root_volume (default true).",
        "required": False,
    },
    "delete_existing": {
        "description": "Delete every existing volume first (default false).",
        "required": False,
    },
}


@dataclasses.dataclass(frozen=True)
class LogicalDisk:
    """One checked entry of target_raid_config's logical_disks."""

    size_gb: int | None  # None: MAX
    raid_level: str
    is_root_volume: bool = False
    physical_disks: tuple[str, ...] = ()
    volume_name: str | None = None
    number_of_physical_disks: int | None = None

    @property
    def raid_type(self) -> str:
        return RAID_LEVELS[self.raid_level][0]


@dataclasses.dataclass
class DriveSpace:
    """A drive of the controller: its Id, Redfish path and the bytes no volume uses."""

    id: str
    path: str
    capacity: int
    free: int


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where one logical disk goes: its drives and the capacity to ask for (None: MAX)."""

    disk: LogicalDisk
    drives: tuple[DriveSpace, ...]
    capacity: int


def _invalid(why: str) -> exceptions.InvalidParameterValue:
    return exceptions.InvalidParameterValue(err=f"Invalid target_raid_config: {why}")


def logical_disks(target: dict | None) -> list[LogicalDisk]:
    """target_raid_config's logical disks, checked, or InvalidParameterValue naming the
    entry and field that are wrong."""
    if not target:
        return []
    entries = target.get("logical_disks") if isinstance(target, dict) else None
    if not isinstance(entries, list) or not entries:
        raise _invalid("expected {'logical_disks': [ ... ]} with at least one logical disk")
    disks = []
    for i, entry in enumerate(entries):
        where = f"logical_disks[{i}]"
        if not isinstance(entry, dict):
            raise _invalid(f"{where} is not an object")
        size = entry.get("size_gb")
        if size == "MAX":
            size = None
        elif isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise _invalid(f"{where}/size_gb must be a positive integer or 'MAX', not {size!r}")
        level = str(entry.get("raid_level"))
        if level not in RAID_LEVELS:
            raise _invalid(
                f"{where}/raid_level {entry.get('raid_level')!r} is not one of "
                f"{', '.join(RAID_LEVELS)}"
            )
        physical = entry.get("physical_disks") or []
        if not isinstance(physical, list) or not all(isinstance(p, str) for p in physical):
            raise _invalid(f"{where}/physical_disks must be a list of drive ids or paths")
        count = entry.get("number_of_physical_disks")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise _invalid(f"{where}/number_of_physical_disks must be an integer")
        least = RAID_LEVELS[level][1]
        wanted = len(physical) or count or least
        if wanted < least:
            raise _invalid(f"{where}: RAID {level} needs at least {least} physical disks")
        root = entry.get("is_root_volume", False)
        if not isinstance(root, bool):
            raise _invalid(f"{where}/is_root_volume must be true or false")
        name = entry.get("volume_name")
        if name is not None and not isinstance(name, str):
            raise _invalid(f"{where}/volume_name must be a string")
        disks.append(LogicalDisk(size, level, root, tuple(physical), name, count))
    if sum(d.is_root_volume for d in disks) > 1:
        raise _invalid("only one logical disk can have is_root_volume true")
    return disks


def _order(disks: list[LogicalDisk]) -> list[LogicalDisk]:
    """The root volume first, then sized disks largest first, MAX ones last."""
    return sorted(disks, key=lambda d: (not d.is_root_volume, d.size_gb is None, -(d.size_gb or 0)))


def _named(disk: LogicalDisk, drives: list[DriveSpace]) -> list[DriveSpace]:
    chosen = []
    for name in disk.physical_disks:
        match = [d for d in drives if name in (d.id, d.path)]
        if not match:
            raise _invalid(
                f"physical disk {name!r} is not a drive of the controller; it has "
                f"{', '.join(d.id for d in drives)}"
            )
        chosen.append(match[0])
    return chosen


def plan(
    disks: list[LogicalDisk], drives: list[DriveSpace], supported: set[str]
) -> list[Placement]:
    """Drives and capacity for each logical disk, in the order to create them; each takes an
    equal share of each of its drives, taken from the drives with the most free space.
    InvalidParameterValue when the controller does not build a RAID level or the space is not
    there. ``drives``' free space is updated as if the volumes were made."""
    placements = []
    for disk in _order(disks):
        if disk.raid_type not in supported:
            raise _invalid(
                f"RAID {disk.raid_level} ({disk.raid_type}) is not supported by the controller; "
                f"it supports {', '.join(sorted(supported)) or 'no RAID type'}"
            )
        _, least, data_drives = RAID_LEVELS[disk.raid_level]
        count = len(disk.physical_disks) or disk.number_of_physical_disks or least
        if disk.physical_disks:
            candidates = _named(disk, drives)
        else:
            candidates = sorted(drives, key=lambda d: (-d.free, d.id))[:count]
        if len(candidates) < count:
            raise _invalid(
                f"RAID {disk.raid_level} needs {count} drives; the controller has {len(drives)}"
            )
        if disk.size_gb is None:
            span = min(d.free for d in candidates)
        else:
            span = -(-disk.size_gb * GIB // data_drives(count))
        if span <= 0 or any(d.free < span for d in candidates):
            size = "MAX" if disk.size_gb is None else f"{disk.size_gb} GiB"
            raise _invalid(
                f"not enough free space for a {size} RAID {disk.raid_level} volume on drives "
                f"{', '.join(d.id for d in candidates)} "
                f"(free: {', '.join(f'{d.free // GIB} GiB' for d in candidates)})"
            )
        for d in candidates:
            d.free -= span
        capacity = span * data_drives(count) if disk.size_gb is None else disk.size_gb * GIB
        placements.append(Placement(disk, tuple(candidates), capacity))
    return placements


def _link_ids(doc: dict, key: str) -> list[str]:
    return [
        str(link.get("@odata.id", "")).rstrip("/")
        for link in (doc.get("Links") or {}).get(key) or []
    ]


def _controller(system_):
    """The first Storage of the system with drives; a sushy error that client.call turns into
    BMCNotSupported when there is none."""
    for storage in system_.storage.get_members():
        if storage.drives_identities:
            return storage
    raise sushy_exc.MissingAttributeError(attribute="Storage/Drives", resource=system_.path)


def read_drives(storage) -> tuple[list[DriveSpace], set[str]]:
    """The controller's drives with the space its volumes leave, and the RAID types it
    builds. A volume takes an equal share of each of its drives."""
    drives = {
        d.path.rstrip("/"): DriveSpace(d.identity, d.path.rstrip("/"), d.capacity_bytes or 0, 0)
        for d in storage.drives
    }
    for d in drives.values():
        d.free = d.capacity
    for volume in storage.volumes.get_members():
        on = [drives[p] for p in _link_ids(volume.json, "Drives") if p in drives]
        level = _BY_TYPE.get(volume.raid_type.value if volume.raid_type else "")
        if not on or level is None:
            continue
        share = -(-(volume.capacity_bytes or 0) // RAID_LEVELS[level][2](len(on)))
        for d in on:
            d.free = max(0, d.free - share)
    supported = {
        t.value for c in storage.storage_controllers for t in (c.raid_types or []) if t is not None
    }
    return sorted(drives.values(), key=lambda d: d.id), supported


class RedfishRAID(base.RAIDInterface):
    properties = client.PROPERTIES
    # The keys ``logical_disks`` reads; disk/interface type and controller choice are left to
    # the BMC.
    logical_disk_properties = {
        k: v
        for k, v in base.LOGICAL_DISK_PROPERTIES.items()
        if k
        in (
            "raid_level",
            "size_gb",
            "volume_name",
            "is_root_volume",
            "number_of_physical_disks",
            "physical_disks",
        )
    }

    def validate(self, task) -> None:
        client.driver_info(task.node)
        logical_disks(task.node.get("target_raid_config"))

    @base.step(("clean", "deploy"), priority=0, rerunnable=True, argsinfo=CREATE_ARGSINFO)
    def create_configuration(
        self,
        task,
        create_root_volume: bool = True,
        create_nonroot_volumes: bool = True,
        delete_existing: bool = False,
    ) -> None:
        """Create the volumes target_raid_config asks for on the system's RAID controller and
        record them in raid_config."""
        disks = [
            d
            for d in logical_disks(task.node.get("target_raid_config"))
            if (create_root_volume if d.is_root_volume else create_nonroot_volumes)
        ]
        if not disks:
            raise exceptions.InvalidParameterValue(
                err=f"Node {task.node['uuid']} has no target_raid_config logical disks to create"
            )
        info = client.driver_info(task.node)
        if delete_existing:
            self._delete_all(info)
        storage_path, placements = client.call(
            info, "read RAID storage", lambda conn: self._plan(info, conn, disks)
        )
        created = [self._create(info, storage_path, placement) for placement in placements]
        task.save(raid_config={"logical_disks": created})

    @base.step(("clean", "deploy"), priority=0, rerunnable=True)
    def delete_configuration(self, task) -> None:
        """Delete every volume of the system's RAID controller; raid_config becomes empty."""
        self._delete_all(client.driver_info(task.node))
        task.save(raid_config={})

    @staticmethod
    def _plan(info, conn, disks) -> tuple[str, list[Placement]]:
        storage = _controller(client.system(conn, info))
        drives, supported = read_drives(storage)
        return storage.path, plan(disks, drives, supported)

    @staticmethod
    def _create(info, storage_path: str, placement: Placement) -> dict:
        disk = placement.disk
        payload = {
            "RAIDType": disk.raid_type,
            "Links": {"Drives": [{"@odata.id": d.path} for d in placement.drives]},
        }
        if disk.size_gb is not None:
            payload["CapacityBytes"] = placement.capacity
        if disk.volume_name:
            payload["Name"] = disk.volume_name

        def create(conn):
            storage = client.system(conn, info).storage.get_member(storage_path)
            volume = storage.volumes.create(payload)
            if volume is None or not hasattr(volume, "identity"):
                # 202 with a task monitor: the lab answers 201; real BMCs may need a wait here.
                raise exceptions.BMCError(
                    address=info.address,
                    operation="create a RAID volume",
                    reason="the BMC did not answer with the new volume",
                )
            return storage.identity, volume.identity, volume.capacity_bytes

        storage_id, volume_id, size = client.call(
            info,
            f"create a {disk.raid_type} volume of {len(placement.drives)} drives",
            create,
            idempotent=False,
        )
        entry = {
            "size_gb": (size or 0) // GIB if disk.size_gb is None else disk.size_gb,
            "raid_level": disk.raid_level,
            "is_root_volume": disk.is_root_volume,
            "controller": storage_id,
            "volume_id": volume_id,
            "physical_disks": [d.id for d in placement.drives],
            "size_bytes": size,
        }
        if disk.volume_name:
            entry["volume_name"] = disk.volume_name
        LOG.info(
            "Created %s volume %s (%s bytes) at BMC %s",
            disk.raid_type,
            volume_id,
            size,
            info.address,
        )
        return entry

    @staticmethod
    def _delete_all(info) -> None:
        def delete(conn):
            for storage in client.system(conn, info).storage.get_members():
                for volume in storage.volumes.get_members():
                    volume.delete()

        client.call(info, "delete RAID volumes", delete)
