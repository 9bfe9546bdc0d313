"""sushy-tools' Redfish emulator with what its fake systems driver lacks, for the lab.

    python -m ironic_lite.lab.sushy_lab --config FILE [sushy-emulator arguments]

Starts ``sushy-emulator`` exactly as its console script does, after two changes:

- ``LabDriver`` replaces the fake (in-memory) systems driver. It adds BIOS attributes whose
  changes stay pending until the system next boots, BIOS and BMC firmware versions, CPUs,
  memory and a disk, an NMI counter, and a configurable power delay (``LAB_POWER_DELAY``
  seconds, instead of the stock random 1-11 s).
- A few views are replaced or added: the BIOS settings object shows the pending changes, the
  attribute registry describes LAB_BIOS, UpdateService.SimpleUpdate really updates a version
  (taken from the image's file name, after downloading it) through a task that runs
  ``LAB_FIRMWARE_DELAY`` seconds, and a FirmwareInventory lists each system's BIOS.
- Each system has a RAID controller (``Storage/1``): four 480 GB SAS SSDs and a Volumes
  collection that creates (POST) and deletes (DELETE) volumes, each taking a share of its
  drives' space by RAID type; ``LAB_STORAGE = False`` takes storage away (404), a BMC without it.
- Every boot (power going on) is counted and recorded with the boot device it used and, for
  ``Cd``, the inserted medium; ``GET /lab/systems`` lists every system's power, boot device,
  boot count and last boot, for the machine simulator (``ironic_lite.lab.simulator``); with
  ``LAB_POWER_HOOK`` set (``PATCH /lab/config``), each power off and boot is POSTed there.
- A system's ``Status.Health`` is ``OK`` unless ``LAB_HEALTH`` (``PATCH /lab/config`` with
  ``{"LAB_HEALTH": {"<system uuid>": "Warning"}}``; null clears it) says otherwise.

Configuration (the ``--config`` Python file) takes the emulator's own SUSHY_EMULATOR_* keys
plus LAB_POWER_DELAY, LAB_FIRMWARE_DELAY and LAB_STORAGE.
"""

import itertools
import json
import re
import sqlite3
import sys
import threading
import time

import flask
import requests
from sushy_tools import error
from sushy_tools.emulator import main
from sushy_tools.emulator.resources.systems import fakedriver

# The lab BIOS: name, default, registry entry (Redfish AttributeRegistry fields).
LAB_BIOS = (
    ("BootMode", "Uefi", {"Type": "Enumeration", "Value": ["Uefi", "Bios"]}),
    ("ProcTurboMode", "Enabled", {"Type": "Enumeration", "Value": ["Enabled", "Disabled"]}),
    ("EmbeddedSata", "Raid", {"Type": "Enumeration", "Value": ["Ata", "Ahci", "Raid", "Off"]}),
    ("SriovGlobalEnable", False, {"Type": "Boolean"}),
    ("AcPwrRcvryUserDelay", 60, {"Type": "Integer", "LowerBound": 60, "UpperBound": 600}),
    ("SerialNumber", "QPX12345", {"Type": "String", "MinLength": 0, "MaxLength": 16}),
    ("SystemMemorySize", "32 GB", {"Type": "String", "ReadOnly": True}),
)
BIOS_DEFAULTS = {name: default for name, default, _ in LAB_BIOS}
REGISTRY_ID = "BiosAttributeRegistryP89.v1_0_0"
FIRST_VERSIONS = {"BiosVersion": "2.19.1", "BmcVersion": "1.00"}
_VERSION_IN_NAME = re.compile(r"(\d+(?:\.\d+)+)")

# The lab RAID controller: its drives (Id -> bytes) and the RAID types it builds, with the
# fewest drives each needs and how many drives' worth of a volume's drives hold data.
STORAGE_ID = "1"
LAB_DRIVES = {str(n): 480 * 10**9 for n in range(4)}
LAB_RAID = {
    "RAID0": (1, lambda n: n),
    "RAID1": (2, lambda n: 1),
    "RAID5": (3, lambda n: n - 1),
    "RAID10": (4, lambda n: n // 2),
}
_VOLUME_TYPES = {
    "RAID0": "NonRedundant",
    "RAID1": "Mirrored",
    "RAID5": "StripedWithParity",
    "RAID10": "SpannedMirrors",
}


class LabDriver(fakedriver.FakeDriver):
    """The stock fake driver plus BIOS, firmware versions, hardware facts and a set delay."""

    _creating = threading.Lock()
    _writing = threading.RLock()

    def __init__(self):
        # The emulator builds its driver on the first request that needs it; two such
        # requests at once both opened the state database and one failed with "database is
        # locked" (its opening is not retried as later reads and writes are).
        with self._creating:
            for attempt in range(50):
                try:
                    super().__init__()
                    return
                except sqlite3.OperationalError:
                    if attempt == 49:
                        raise
                    time.sleep(0.1)

    def _record(self, identity: str) -> dict:
        system = self._get(identity)
        missing = {
            "bios": dict(BIOS_DEFAULTS),
            "bios_pending": {},
            "versions": dict(FIRST_VERSIONS),
            "nmi_count": 0,
            "volumes": [],
            "volume_seq": 0,
        }
        missing = {k: v for k, v in missing.items() if k not in system}
        if missing:
            self._update(system, **missing)
        return system

    # --- power: a set delay; a boot applies pending BIOS settings -------------------------------
    def set_power_state(self, identity, state):
        system = self._record(identity)
        if state == "Nmi":
            self._update(system, nmi_count=system["nmi_count"] + 1)
            return
        if "On" in state:
            pending = "On"
        elif state in ("ForceOff", "GracefulShutdown"):
            pending = "Off"
        elif "Restart" in state:
            system["power_state"] = "Off"
            pending = "On"
        else:
            raise error.NotSupportedError(f"Power state {state} is not supported")
        if system["power_state"] != pending:
            delay = float(self._config.get("LAB_POWER_DELAY", 0))
            self._update(
                system,
                power_state=system["power_state"],
                pending_power={"power_state": pending, "apply_time": time.time() + delay},
            )

    # --- one writer at a time ----------------------------------------------------------------
    def _update(self, system, **changes):
        """Write ``changes`` onto the stored record, not the caller's whole copy.

        The stock driver stores the whole dict the caller read: with requests in parallel (a
        conductor's and the simulator's), one request's write undid another's (a boot device
        set between a read and a power change was lost), and two reads both applied one
        pending power change, counting one boot twice.
        """
        if isinstance(system, str):
            system = self._get(system)
        with self._writing:
            stored = self._systems[system["uuid"]]
            stored.update(changes)
            self._systems[system["uuid"]] = stored
            system.update(stored)
        if system.get("external_notifier"):
            self._send_external_notification(system)

    def _update_if_needed(self, system):
        """Apply a due power change once (under the write lock, on the stored record)."""
        pending = system.get("pending_power")
        if not pending or time.time() < pending["apply_time"]:
            return system
        event = None
        with self._writing:
            stored = self._systems[system["uuid"]]
            pending = stored.get("pending_power")
            if pending and time.time() >= pending["apply_time"]:
                target = "On" if "Restart" in pending["power_state"] else pending["power_state"]
                if target == "On" and stored.get("power_state") != "On":
                    event = "boot"
                elif target == "Off" and stored.get("power_state") != "Off":
                    event = "off"
                self._update(stored, power_state=target, pending_power=None)
                if event == "boot":
                    self._booted(stored)
            system.clear()
            system.update(stored)
        if event:
            self._tell(system, event)
        return system

    def _tell(self, system, event: str) -> None:
        """POST the change to LAB_POWER_HOOK (the machine simulator) before the request that
        made it visible answers: what ran on the machine stops as the power goes."""
        url = self._config.get("LAB_POWER_HOOK")
        if not url:
            return
        body = {
            "kind": "redfish",
            "bmc_id": system["uuid"],
            "event": event,
            "boot_count": system.get("boot_count", 0),
        }
        try:
            requests.post(url, json=body, timeout=5)
        except requests.RequestException as exc:
            self._logger.warning("the power hook %s failed: %s", url, exc)

    def _booted(self, system) -> None:
        """The system started: pending BIOS settings apply, and the boot is counted with
        the device it used, so a machine simulator polling now and then misses no reboot."""
        changes = {}
        if system.get("bios_pending"):
            changes.update(bios={**system["bios"], **system["bios_pending"]}, bios_pending={})
        device = system.get("boot_device", "Hdd")
        image, _protected, inserted = (system.get("boot_image") or {}).get("Cd") or (
            None,
            False,
            False,
        )
        last = {"device": device, "at": time.time()}
        if device == "Cd":
            last["media"] = {"path": image, "inserted": bool(inserted and image)}
        changes.update(boot_count=system.get("boot_count", 0) + 1, last_boot=last)
        self._update(system, **changes)

    def lab_view(self, identity) -> dict:
        """What a machine simulator needs of a system, after any due power change."""
        system = self._get(identity)
        return {
            "uuid": system["uuid"],
            "name": system["name"],
            "power_state": system["power_state"],
            "boot_device": system.get("boot_device", "Hdd"),
            "boot_count": system.get("boot_count", 0),
            "last_boot": system.get("last_boot"),
            "nics": [nic.get("mac") for nic in system.get("nics", [])],
        }

    # --- BIOS ----------------------------------------------------------------------------------
    def get_bios(self, identity):
        return dict(self._record(identity)["bios"])

    def get_bios_pending(self, identity):
        return dict(self._record(identity)["bios_pending"])

    def set_bios(self, identity, attributes):
        system = self._record(identity)
        unknown = set(attributes or {}) - set(BIOS_DEFAULTS)
        if unknown:
            raise error.BadRequest(f"Unknown BIOS attribute(s) {', '.join(sorted(unknown))}")
        self._update(system, bios_pending={**system["bios_pending"], **attributes})

    def reset_bios(self, identity):
        self._update(self._record(identity), bios_pending=dict(BIOS_DEFAULTS))

    # --- firmware versions ---------------------------------------------------------------------
    def get_versions(self, identity):
        return dict(self._record(identity)["versions"])

    def set_versions(self, identity, firmware_versions):
        system = self._record(identity)
        self._update(system, versions={**system["versions"], **firmware_versions})

    # --- hardware facts ------------------------------------------------------------------------
    def get_total_memory(self, identity):
        return self._record(identity).get("memory_gib", 32)

    def get_total_cpus(self, identity):
        return self._record(identity).get("cpus", 8)

    def get_processors(self, identity):
        cpus = self.get_total_cpus(identity)
        return [
            {
                "id": "CPU0",
                "Id": "CPU0",
                "socket": "CPU 0",
                "vendor": "Lab Silicon",
                "model": "Lab x86-64",
                "cores": cpus,
                "threads": cpus,
            }
        ]

    def get_simple_storage_collection(self, identity):
        size = self._record(identity).get("disk_bytes", 100 * 1024**3)
        return {
            "lab-sata": {
                "Id": "lab-sata",
                "Name": "Lab SATA",
                "DeviceList": [{"Name": "disk0", "CapacityBytes": size}],
            }
        }

    # --- RAID volumes ---------------------------------------------------------------------------
    def drive_free(self, identity) -> dict[str, int]:
        """Bytes left on each drive after the share each volume takes of it."""
        free = dict(LAB_DRIVES)
        for volume in self._record(identity)["volumes"]:
            for drive in volume["drives"]:
                free[drive] -= volume["span"]
        return free

    def get_volumes(self, identity) -> list[dict]:
        return [dict(v) for v in self._record(identity)["volumes"]]

    def create_volume(self, identity, raid_type, drives, capacity, name) -> dict:
        """A new volume over ``drives`` (Ids), or BadRequest saying what the controller refused.
        Without ``capacity`` it takes all the space the drives have left in common."""
        if raid_type not in LAB_RAID:
            raise error.BadRequest(
                f"RAIDType {raid_type!r} is not supported; supported: {', '.join(LAB_RAID)}"
            )
        least, data_drives = LAB_RAID[raid_type]
        unknown = [d for d in drives if d not in LAB_DRIVES]
        if unknown or len(set(drives)) != len(drives):
            raise error.BadRequest(f"Links.Drives names unknown or repeated drives: {drives}")
        if len(drives) < least or (raid_type == "RAID10" and len(drives) % 2):
            raise error.BadRequest(f"{raid_type} needs at least {least} drives, not {len(drives)}")
        with self._writing:
            system = self._record(identity)
            free = self.drive_free(identity)
            room = min(free[d] for d in drives)
            # Without a capacity, the space the drives have left in common.
            span = room if capacity is None else -(-int(capacity) // data_drives(len(drives)))
            if span <= 0 or span > room:
                raise error.BadRequest(
                    f"Not enough free space on drives {', '.join(drives)} for {capacity} bytes "
                    f"of {raid_type}"
                )
            seq = system["volume_seq"] + 1
            volume = {
                "Id": str(seq),
                "Name": name or f"Volume {seq}",
                "RAIDType": raid_type,
                "CapacityBytes": span * data_drives(len(drives)) if capacity is None else capacity,
                "drives": list(drives),
                "span": span,
            }
            self._update(system, volumes=[*system["volumes"], volume], volume_seq=seq)
        return volume

    def delete_volume(self, identity, volume_id) -> None:
        with self._writing:
            system = self._record(identity)
            kept = [v for v in system["volumes"] if v["Id"] != volume_id]
            if len(kept) == len(system["volumes"]):
                raise error.NotFound(f"No volume {volume_id}")
            self._update(system, volumes=kept)


# --- firmware update tasks (in memory: a restarted emulator forgets running tasks) -------------
_TASKS: dict[str, dict] = {}
_TASK_IDS = itertools.count(1000)  # clear of the stock static task 42
_TASK_LOCK = threading.Lock()


def _task_document(task_id: str, task: dict) -> dict:
    return {
        "@odata.type": "#Task.v1_4_3.Task",
        "@odata.id": f"/redfish/v1/TaskService/Tasks/{task_id}",
        "Id": task_id,
        "Name": f"Update {task['target']}",
        "TaskState": task["state"],
        "TaskStatus": "OK" if task["state"] != "Exception" else "Critical",
        "PercentComplete": 100 if task["state"] != "Running" else 50,
        "Messages": [{"Message": task["message"]}] if task.get("message") else [],
    }


def _finish(task: dict) -> None:
    """Download the image, then set the version its file name names (else the next minor)."""
    try:
        response = requests.get(task["url"], timeout=10)
        response.raise_for_status()
    except requests.RequestException as exc:
        task.update(state="Exception", message=f"Cannot download {task['url']}: {exc}")
        return
    systems = flask.current_app.systems
    current = systems.get_versions(task["system"])["BiosVersion"]
    match = _VERSION_IN_NAME.search(task["url"].rsplit("/", 1)[-1])
    if match:
        version = match.group(1)
    else:
        parts = current.split(".")
        parts[1] = str(int(parts[1]) + 1)
        version = ".".join(parts)
    systems.set_versions(task["system"], {"BiosVersion": version})
    task.update(state="Completed", message=f"BIOS updated to {version}")


def simple_update():
    doc = flask.request.json or {}
    url, targets = doc.get("ImageURI"), doc.get("Targets") or []
    if not url or len(targets) != 1:
        return {"error": {"message": "Give ImageURI and exactly one Target"}}, 400
    target = targets[0].rstrip("/")
    if "/Managers/" in target:
        return {"error": {"message": "The lab updates BIOS firmware only, not managers"}}, 400
    system = target.rsplit("/", 1)[-1].removesuffix("-BIOS")
    flask.current_app.systems.get_versions(system)  # 404 for an unknown system
    delay = float(flask.current_app.config.get("LAB_FIRMWARE_DELAY", 0))
    with _TASK_LOCK:
        task_id = str(next(_TASK_IDS))
        _TASKS[task_id] = task = {
            "target": target,
            "system": system,
            "url": url,
            "due": time.time() + delay,
            "state": "Running",
        }
    location = f"/redfish/v1/TaskService/Tasks/{task_id}"
    return _task_document(task_id, task), 202, {"Location": location}


def task_monitor(task_id):
    with _TASK_LOCK:
        task = _TASKS.get(task_id)
        if task is None:
            return {"error": {"message": f"No task {task_id}"}}, 404
        if task["state"] == "Running" and time.time() >= task["due"]:
            _finish(task)
        document = _task_document(task_id, task)
    return document, 202 if task["state"] == "Running" else 200


def firmware_inventory():
    members = [
        {"@odata.id": f"/redfish/v1/UpdateService/FirmwareInventory/{uuid}-BIOS"}
        for uuid in flask.current_app.systems.systems
    ]
    return {
        "@odata.type": "#SoftwareInventoryCollection.SoftwareInventoryCollection",
        "@odata.id": "/redfish/v1/UpdateService/FirmwareInventory",
        "Name": "Firmware Inventory",
        "Members@odata.count": len(members),
        "Members": members,
    }


def firmware_item(item_id):
    system = item_id.removesuffix("-BIOS")
    version = flask.current_app.systems.get_versions(system)["BiosVersion"]
    return {
        "@odata.type": "#SoftwareInventory.v1_2_0.SoftwareInventory",
        "@odata.id": f"/redfish/v1/UpdateService/FirmwareInventory/{item_id}",
        "Id": item_id,
        "Name": "BIOS",
        "Version": version,
        "Updateable": True,
        "RelatedItem": [{"@odata.id": f"/redfish/v1/Systems/{system}"}],
    }


# --- storage: one RAID controller, its drives and volumes ---------------------------------------
def _storage_path(identity: str) -> str:
    return f"/redfish/v1/Systems/{identity}/Storage"


def _no_storage():
    """A 404 when LAB_STORAGE is off (a BMC without storage), else None."""
    if not flask.current_app.config.get("LAB_STORAGE", True):
        return {"error": {"message": "This BMC has no Storage"}}, 404
    return None


def _check_storage(identity: str, storage_id: str | None = None):
    refused = _no_storage()
    if refused is None and storage_id is not None and storage_id != STORAGE_ID:
        refused = {"error": {"message": f"No storage {storage_id}"}}, 404
    if refused is None:
        flask.current_app.systems.get_volumes(identity)  # 404 for an unknown system
    return refused


def storage_collection(identity):
    if refused := _check_storage(identity):
        return refused
    path = _storage_path(identity)
    return {
        "@odata.type": "#StorageCollection.StorageCollection",
        "@odata.id": path,
        "Name": "Storage Collection",
        "Members@odata.count": 1,
        "Members": [{"@odata.id": f"{path}/{STORAGE_ID}"}],
    }


def storage(identity, storage_id):
    if refused := _check_storage(identity, storage_id):
        return refused
    path = f"{_storage_path(identity)}/{STORAGE_ID}"
    return {
        "@odata.type": "#Storage.v1_4_0.Storage",
        "@odata.id": path,
        "Id": STORAGE_ID,
        "Name": "Lab RAID Controller",
        "Status": {"State": "Enabled", "Health": "OK"},
        "StorageControllers": [
            {
                "@odata.id": f"{path}#/StorageControllers/0",
                "MemberId": "0",
                "Name": "Lab RAID Controller",
                "Status": {"State": "Enabled", "Health": "OK"},
                "SpeedGbps": 12,
                "SupportedControllerProtocols": ["PCIe"],
                "SupportedDeviceProtocols": ["SAS"],
                "SupportedRAIDTypes": list(LAB_RAID),
            }
        ],
        "Drives": [{"@odata.id": f"{path}/Drives/{d}"} for d in LAB_DRIVES],
        "Volumes": {"@odata.id": f"{path}/Volumes"},
    }


def drive(identity, stg_id, drv_id):
    if refused := _check_storage(identity, stg_id):
        return refused
    if drv_id not in LAB_DRIVES:
        return {"error": {"message": f"No drive {drv_id}"}}, 404
    path = f"{_storage_path(identity)}/{STORAGE_ID}"
    volumes = flask.current_app.systems.get_volumes(identity)
    return {
        "@odata.type": "#Drive.v1_4_0.Drive",
        "@odata.id": f"{path}/Drives/{drv_id}",
        "Id": drv_id,
        "Name": f"Drive {drv_id}",
        "CapacityBytes": LAB_DRIVES[drv_id],
        "MediaType": "SSD",
        "Protocol": "SAS",
        "BlockSizeBytes": 512,
        "Status": {"State": "Enabled", "Health": "OK"},
        "Links": {
            "Volumes": [
                {"@odata.id": f"{path}/Volumes/{v['Id']}"} for v in volumes if drv_id in v["drives"]
            ]
        },
    }


def _volume_document(identity: str, volume: dict) -> dict:
    path = f"{_storage_path(identity)}/{STORAGE_ID}"
    return {
        "@odata.type": "#Volume.v1_4_0.Volume",
        "@odata.id": f"{path}/Volumes/{volume['Id']}",
        "Id": volume["Id"],
        "Name": volume["Name"],
        "RAIDType": volume["RAIDType"],
        "VolumeType": _VOLUME_TYPES[volume["RAIDType"]],
        "CapacityBytes": volume["CapacityBytes"],
        "BlockSizeBytes": 512,
        "Encrypted": False,
        "Status": {"State": "Enabled", "Health": "OK"},
        "Links": {"Drives": [{"@odata.id": f"{path}/Drives/{d}"} for d in volume["drives"]]},
    }


def volumes_collection(identity, storage_id):
    if refused := _check_storage(identity, storage_id):
        return refused
    systems = flask.current_app.systems
    path = f"{_storage_path(identity)}/{STORAGE_ID}/Volumes"
    if flask.request.method == "GET":
        members = [{"@odata.id": f"{path}/{v['Id']}"} for v in systems.get_volumes(identity)]
        return {
            "@odata.type": "#VolumeCollection.VolumeCollection",
            "@odata.id": path,
            "Name": "Volumes",
            "Members@odata.count": len(members),
            "Members": members,
        }
    doc = flask.request.json or {}
    drives = [
        str(link.get("@odata.id", "")).rstrip("/").rsplit("/", 1)[-1]
        for link in (doc.get("Links") or {}).get("Drives") or []
    ]
    volume = systems.create_volume(
        identity, doc.get("RAIDType"), drives, doc.get("CapacityBytes"), doc.get("Name")
    )
    document = _volume_document(identity, volume)
    return document, 201, {"Location": document["@odata.id"]}


def volume(identity, stg_id, vol_id):
    if refused := _check_storage(identity, stg_id):
        return refused
    for item in flask.current_app.systems.get_volumes(identity):
        if item["Id"] == vol_id:
            return _volume_document(identity, item)
    return {"error": {"message": f"No volume {vol_id}"}}, 404


def delete_volume(identity, stg_id, vol_id):
    if refused := _check_storage(identity, stg_id):
        return refused
    flask.current_app.systems.delete_volume(identity, vol_id)
    return "", 204


# --- BIOS views: pending settings, and the registry of LAB_BIOS ---------------------------------
def bios_registry():
    attributes = []
    for name, _default, entry in LAB_BIOS:
        item = {"AttributeName": name, "ReadOnly": False, **entry}
        if "Value" in entry:
            item["Value"] = [{"ValueName": v, "ValueDisplayName": v} for v in entry["Value"]]
        attributes.append(item)
    return {
        "@odata.type": "#AttributeRegistry.v1_1_1.AttributeRegistry",
        "@odata.id": "/redfish/v1/Systems/Bios/BiosRegistry",
        "Id": REGISTRY_ID,
        "Name": "Lab BIOS Attribute Registry",
        "Language": "en",
        "OwningEntity": "ironic-lite lab",
        "RegistryVersion": "1.0.0",
        "RegistryEntries": {"Attributes": attributes},
    }


def _wrap_bios_settings(original):
    def bios_settings(identity):
        if flask.request.method != "GET":
            return original(identity)
        pending = flask.current_app.systems.get_bios_pending(identity)
        return flask.render_template(
            "bios_settings.json",
            identity=identity,
            bios_pending_attributes=json.dumps(pending, sort_keys=True),
        )

    return bios_settings


def _wrap_system(original):
    """The system view, with ``Status.Health`` from LAB_HEALTH when it names the system."""

    def system_resource(identity):
        response = original(identity)
        health = flask.current_app.config.get("LAB_HEALTH", {}).get(identity)
        if flask.request.method != "GET" or health is None or response.status_code != 200:
            return response
        document = json.loads(response.get_data())
        document.setdefault("Status", {}).update(Health=health, HealthRollUp=health)
        response.set_data(json.dumps(document))
        return response

    return system_resource


def lab_config():
    """Change LAB_POWER_DELAY / LAB_FIRMWARE_DELAY / LAB_POWER_HOOK / LAB_STORAGE /
    LAB_HEALTH of the running emulator."""
    doc = flask.request.json or {}
    keys = ("LAB_POWER_DELAY", "LAB_FIRMWARE_DELAY")
    flask.current_app.config.update({k: float(v) for k, v in doc.items() if k in keys})
    if "LAB_STORAGE" in doc:
        flask.current_app.config["LAB_STORAGE"] = bool(doc["LAB_STORAGE"])
    if "LAB_POWER_HOOK" in doc:
        flask.current_app.config["LAB_POWER_HOOK"] = doc["LAB_POWER_HOOK"] or None
    if "LAB_HEALTH" in doc:
        health = dict(flask.current_app.config.get("LAB_HEALTH", {}))
        health.update(doc["LAB_HEALTH"] or {})
        flask.current_app.config["LAB_HEALTH"] = {k: v for k, v in health.items() if v}
    return "", 204


def lab_systems():
    """Every system as a machine simulator sees it (one request instead of one per system)."""
    systems = flask.current_app.systems
    return {"systems": [systems.lab_view(identity) for identity in systems.systems]}


def install(app: flask.Flask) -> None:
    """Put LabDriver in place of the fake driver and the lab's views on ``app``."""
    fakedriver.FakeDriver = LabDriver  # main.Application.systems builds fakedriver.FakeDriver
    views = app.view_functions
    views["bios_settings"] = _wrap_bios_settings(views["bios_settings"])
    views["system_resource"] = _wrap_system(views["system_resource"])
    views["bios_registry"] = bios_registry
    views["UpdateService.update_service_simple_update"] = simple_update
    views["storage_collection"] = storage_collection
    views["storage"] = storage
    views["drive_resource"] = drive
    views["volumes_collection"] = volumes_collection
    views["volume"] = volume
    app.add_url_rule(
        "/redfish/v1/Systems/<identity>/Storage/<stg_id>/Volumes/<vol_id>",
        "lab_volume_delete",
        delete_volume,
        methods=["DELETE"],
    )
    app.add_url_rule("/lab/config", "lab_config", lab_config, methods=["PATCH"])
    app.add_url_rule("/lab/systems", "lab_systems", lab_systems)
    app.add_url_rule("/redfish/v1/TaskService/Tasks/<task_id>", "lab_task_monitor", task_monitor)
    app.add_url_rule(
        "/redfish/v1/UpdateService/FirmwareInventory", "lab_firmware", firmware_inventory
    )
    app.add_url_rule(
        "/redfish/v1/UpdateService/FirmwareInventory/<item_id>", "lab_firmware_item", firmware_item
    )


if __name__ == "__main__":
    install(main.app)
    sys.argv[0] = "sushy-emulator"
    sys.exit(main.main())
