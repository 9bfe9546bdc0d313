"""The ``direct`` deploy interface: the agent in the ramdisk writes the image itself.

Deploy steps, in order of priority (Ironic's names and priorities):

- ``deploy`` (100): boot the ramdisk (already prepared by the boot interface) and park in
  ``wait call-back`` until the agent heart-beats; with fast track and a live agent, go on;
- ``write_image`` (80): ask the agent to download, verify and write the image (and config
  drive); park until a heart-beat finds the command ended;
- ``prepare_instance_boot`` (60): partition images get their bootloader; the node boots from
  its disk from now on;
- ``tear_down_agent`` (40): the agent powers the machine off (or the BMC does, after
  ``[agent] post_deploy_power_off_wait``); the agent is forgotten. With kexec (``[deploy]
  kexec`` or ``instance_info/kexec``) the agent instead jumps into the deployed OS's kernel,
  and the machine never goes off; a kexec that fails falls back to the power cycle, with a
  warning in node history;
- ``boot_instance`` (20): power on into the instance (nothing to do after a kexec).

Clean steps run on the agent likewise (``erase_devices_metadata`` 99, ``erase_devices`` 10,
burn-in at 0): the first one boots the ramdisk when no agent of this flow is up, then runs
again once it heart-beats.
"""

import logging
import re
import time
import urllib.parse

from ironic_lite.common import exceptions, states
from ironic_lite.conf import CONF
from ironic_lite.drivers import base, configdrive
from ironic_lite.drivers.agent import agent_steps, logs, session
from ironic_lite.drivers.agent import client as agent_client
from ironic_lite.drivers.agent.node_document import node_doc as _node_doc
from ironic_lite.drivers.agent.node_document import port_docs as _port_docs

LOG = logging.getLogger(__name__)

_BURNIN_ARGS = {
    "duration": {
        "description": "seconds to run the burn-in (default: the node's driver_info "
        "agent_burnin_* setting, as IPA reads it)",
        "required": False,
    }
}
# Every burn-in step: on demand in cleaning or servicing, on the agent, abortable.
_burnin_step = base.step(
    ("clean", "service"),
    priority=0,
    requires_ramdisk=True,
    abortable=True,
    argsinfo=_BURNIN_ARGS,
)


# The driver_info key IPA reads each burn-in's length from: a step's ``duration`` lands there.
BURNIN_DRIVER_INFO = {
    "burnin_cpu": "agent_burnin_cpu_timeout",
    "burnin_memory": "agent_burnin_vm_timeout",
    "burnin_disk": "agent_burnin_fio_disk_runtime",
    "burnin_network": "agent_burnin_fio_network_runtime",
}


def image_info(node: dict) -> dict:
    """The agent's ``image_info`` from the node's instance_info; InvalidParameterValue
    naming what is missing."""
    info = node["instance_info"] or {}
    source = info.get("image_source")
    if not source:
        raise exceptions.MissingParameterValue(
            err=f"Node {node['uuid']}: instance_info/image_source is required to deploy"
        )
    url = info.get("image_url") or source
    if not str(url).startswith(("http://", "https://")):
        raise exceptions.InvalidParameterValue(
            err=f"Node {node['uuid']}: instance_info/image_source must be an http(s) URL "
            f"(image service references are not supported), not {source!r}"
        )
    result = {
        "id": str(source).rstrip("/").rsplit("/", 1)[-1] or str(source),
        "urls": [url],
        "node_uuid": node["uuid"],
        "stream_raw_images": CONF.agent.stream_raw_images,
    }
    # Unset, the agent tells raw from qcow2 by the image's first bytes (as Ironic leaves it
    # to ironic-python-agent for an http image): never assume raw and write a qcow2 as is.
    if info.get("image_disk_format"):
        result["disk_format"] = info["image_disk_format"]
    if info.get("image_os_hash_algo") and info.get("image_os_hash_value"):
        result["os_hash_algo"] = info["image_os_hash_algo"]
        result["os_hash_value"] = _checksum(node, info, "image_os_hash_value")
    elif info.get("image_checksum"):
        result["checksum"] = _checksum(node, info, "image_checksum")
    else:
        raise exceptions.MissingParameterValue(
            err=f"Node {node['uuid']}: instance_info needs image_checksum, or "
            "image_os_hash_algo and image_os_hash_value, for an http(s) image"
        )
    partition = info.get("image_type") == "partition" or (
        info.get("image_type") is None and info.get("kernel") and info.get("ramdisk")
    )
    result["image_type"] = "partition" if partition else "whole-disk"
    if partition:
        try:
            result["root_mb"] = int(float(info.get("root_gb") or 0) * 1024)
        except (TypeError, ValueError):
            raise exceptions.InvalidParameterValue(
                err=f"Node {node['uuid']}: instance_info/root_gb must be a number"
            ) from None
        if result["root_mb"] <= 0:
            raise exceptions.MissingParameterValue(
                err=f"Node {node['uuid']}: a partition image needs instance_info/root_gb"
            )
        # IPA reads all four unconditionally (a KeyError otherwise), as Ironic sends them.
        result["swap_mb"] = int(info.get("swap_mb") or 0)
        result["ephemeral_mb"] = int(info.get("ephemeral_mb") or 0)
        if info.get("ephemeral_gb"):
            result["ephemeral_mb"] = int(float(info["ephemeral_gb"]) * 1024)
        result["ephemeral_format"] = (
            info.get("ephemeral_format") or CONF.pxe.default_ephemeral_format
        )
        result["preserve_ephemeral"] = str(info.get("preserve_ephemeral")).lower() == "true"
    for key in ("deploy_boot_mode", "disk_label"):
        if info.get(key):
            result[key] = info[key]
    boot_mode = node.get("boot_mode")
    if boot_mode and "deploy_boot_mode" not in result:
        result["deploy_boot_mode"] = boot_mode
    hints = (node["properties"] or {}).get("root_device")
    if hints:
        result["root_device"] = hints
    return result


_CHECKSUM = re.compile(r"^(?:[A-Za-z0-9_-]+:)?[0-9a-fA-F]{32,128}$")


def _checksum(node: dict, info: dict, field: str) -> str:
    """A checksum as the agents take it: hex digits (``algo:`` before them allowed), or the
    http(s) URL of a checksum file whose line for the image the agent uses (as
    ironic-python-agent does); anything else is refused when the node is validated."""
    value = info[field]
    text = value.strip() if isinstance(value, str) else ""
    if _CHECKSUM.match(text):
        return text
    if text.startswith(("http://", "https://")) and not any(c.isspace() for c in text):
        try:
            host = urllib.parse.urlsplit(text).hostname
        except ValueError:  # e.g. an unclosed IPv6 bracket
            host = None
        if host:
            return text
    raise exceptions.InvalidParameterValue(
        err=f"Node {node['uuid']}: instance_info/{field} must be a hexadecimal checksum or "
        f"the http(s) URL of a checksum file, not {value!r}"
    )


def run_on_agent(
    task, step: str, args: dict | None = None, interface: str = "deploy", node: dict | None = None
) -> base.Outcome | None:
    """Run one of the agent's steps of the flow the node is in.

    No agent of this flow yet: boot the ramdisk and park; the step runs again once the agent
    heart-beats. Otherwise start the step on the agent and park until it ends (None when it
    ended at once). ``node`` replaces fields of the node document the agent is sent.
    """
    kind = session.kind_of(task)
    if not session.reusable(task.node, kind):
        session.boot_ramdisk(task, kind, rerun=True)
        return base.Outcome.WAIT
    client = agent_client.AgentClient(task.node)
    offered = client.steps(kind, _node_doc(task.node), _port_docs(task)).get(f"{kind}_steps") or {}
    names = {s.get("step") for found in offered.values() for s in found or []}
    if step not in names:
        raise agent_client.AgentError(
            node=task.node["uuid"],
            url=client.url,
            operation=f"{kind} step {step}",
            reason=f"the agent does not offer it (it offers {', '.join(sorted(names)) or 'none'})",
        )
    reboot = any(
        s.get("step") == step and s.get("interface") == interface and s.get("reboot_requested")
        for found in offered.values()
        for s in found or []
    )
    args = dict(args or {})
    # IPA's burn-in steps take no arguments: their settings come from driver_info.
    overrides = {}
    if step in BURNIN_DRIVER_INFO and "duration" in args:
        overrides[BURNIN_DRIVER_INFO[step]] = args.pop("duration")
    params = {
        "step": {"step": step, "interface": interface, "args": args},
        "node": {**_node_doc(task.node, overrides), **(node or {})},
        "ports": _port_docs(task),
    }
    result = client.run(f"{kind}.execute_{kind}_step", params)
    if session.await_command(task, kind, step, result, interface=interface, reboot=reboot):
        return None
    return base.Outcome.WAIT


class AgentStepsMixin:
    """What a deploy interface that talks to an agent adds to the node's steps: the steps
    only the agent offers (``agent_steps``)."""

    def agent_offered_steps(self, task, kind: str) -> list[dict]:
        return agent_steps.cached(task, kind)

    def agent_step_requested(self, task, user: dict) -> dict | None:
        if user.get("interface") in agent_steps.interfaces(task):
            return agent_steps.provisional(user)
        return None

    def execute_agent_step(self, task, step: dict):
        return run_on_agent(
            task, step["step"], step.get("args") or {}, interface=step.get("interface") or "deploy"
        )


class DirectDeploy(AgentStepsMixin, base.DeployInterface):
    """Deploys through the agent; see the module docstring for the steps."""

    def validate(self, task) -> None:
        image_info(task.node)
        configdrive.for_agent(task.node)
        kexec_wanted(task.node)

    # --- the agent's heart-beats (the conductor dispatches them here) ----------------------
    def heartbeat(
        self,
        task,
        callback_url: str,
        agent_version: str | None = None,
        agent_verify_ca: str | None = None,
    ) -> bool:
        """Remember the agent; True when the node's flow waits for it (booted, or running a
        command of ours)."""
        super().heartbeat(task, callback_url, agent_version, agent_verify_ca)
        return session.waits_for_agent(task)

    def continue_after_heartbeat(self, task) -> bool:
        return session.on_heartbeat(task)

    # --- deploy ----------------------------------------------------------------------------
    @base.step("deploy", priority=100, rerunnable=True)
    def deploy(self, task):
        """Boot the deploy ramdisk and wait for its agent (fast track: reuse a live one)."""
        self.validate(task)
        if session.fast_track_usable(task.node):
            # Whatever an earlier flow waited for is over; this deploy owns the agent now.
            task.remember(agent_flow="deploy", agent_wait=None)
            return None
        session.boot_ramdisk(task, "deploy", rerun=False)
        return base.Outcome.WAIT

    @base.step("deploy", priority=80, requires_ramdisk=True)
    def write_image(self, task):
        """The agent writes the image from instance_info (and the config drive)."""
        args = {"image_info": image_info(task.node)}
        drive = configdrive.for_agent(task.node)
        if drive:
            args["configdrive"] = drive
        return run_on_agent(task, "write_image", args)

    @base.step("deploy", priority=60, requires_ramdisk=True, rerunnable=True)
    def prepare_instance_boot(self, task) -> None:
        """A partition image gets its bootloader; the node boots from disk from now on."""
        info = task.node["instance_info"] or {}
        client = agent_client.AgentClient(task.node)
        written = (task.node["driver_internal_info"] or {}).get("agent_last_result") or {}
        deployed = written.get("deploy_result") or {}
        if deployed.get("image_type", image_info(task.node)["image_type"]) == "partition":
            uuids = (
                agent_client.checked(
                    client.run("standby.get_partition_uuids", wait=True), client, "partition UUIDs"
                ).get("command_result")
                or {}
            )
            started = client.run(
                "image.install_bootloader",
                {
                    "root_uuid": uuids.get("root uuid"),
                    "efi_system_part_uuid": uuids.get("efi system partition uuid"),
                    "target_boot_mode": info.get("deploy_boot_mode")
                    or task.node.get("boot_mode")
                    or "uefi",
                },
            )
            agent_client.checked(
                wait_for_command(client, started), client, "installing the bootloader"
            )
        task.driver.management.set_boot_device(task, "disk", persistent=True)

    @base.step("deploy", priority=40, requires_ramdisk=True, rerunnable=True)
    def tear_down_agent(self, task) -> None:
        """The agent syncs and powers the machine off; the BMC finishes if it does not."""
        if CONF.agent.deploy_logs_collect == "always":
            logs.collect(task, "deploy")
        if kexec_wanted(task.node) and boot_by_kexec(task):
            return
        power_off_through_agent(task)

    @base.step("deploy", priority=20, rerunnable=True)
    def boot_instance(self, task) -> None:
        """Power on into the deployed instance (after a kexec it runs already)."""
        if (task.node["driver_internal_info"] or {}).get("deploy_kexec_booted"):
            task.remember(deploy_kexec_booted=None)
            return
        task.power(states.POWER_ON)

    def tear_down(self, task) -> None:
        """Undeploy: power off (the flows do the rest)."""
        session.forget(task)

    # --- clean / service steps that run on the agent --------------------------------------
    @base.step("clean", priority=99, requires_ramdisk=True, abortable=True)
    def erase_devices_metadata(self, task):
        """Wipe partition tables and file system signatures of every disk (fast)."""
        return run_on_agent(task, "erase_devices_metadata")

    @base.step("clean", priority=10, requires_ramdisk=True, abortable=True)
    def erase_devices(self, task):
        """Erase every disk completely (NVMe format, ATA secure erase or shred)."""
        return run_on_agent(task, "erase_devices")

    @_burnin_step
    def burnin_cpu(self, task, duration: int | None = None):
        """Load every CPU for ``duration`` seconds."""
        return run_on_agent(task, "burnin_cpu", _burnin_args(duration))

    @_burnin_step
    def burnin_memory(self, task, duration: int | None = None):
        """Exercise the memory for ``duration`` seconds."""
        return run_on_agent(task, "burnin_memory", _burnin_args(duration))

    @_burnin_step
    def burnin_disk(self, task, duration: int | None = None):
        """Read and write every disk for ``duration`` seconds."""
        return run_on_agent(task, "burnin_disk", _burnin_args(duration))

    def tear_down_cleaning(self, task) -> None:
        """After cleaning with the agent: power the machine off (fast track: leave it up)."""
        info = task.node["driver_internal_info"] or {}
        if info.get("agent_flow") not in ("clean", "service") or CONF.deploy.fast_track:
            return
        power_off_through_agent(task)


def wait_for_command(client: agent_client.AgentClient, result: dict) -> dict:
    """Poll the agent until the command of ``result`` ends, as Ironic's conductor does for the
    bootloader: ``[agent] command_wait_attempts`` polls ``command_wait_interval`` apart, then
    AgentError. No request stays open while the agent works."""
    attempts = CONF.agent.command_wait_attempts
    for _ in range(attempts):
        if result.get("command_status") != "RUNNING":
            return result
        time.sleep(CONF.agent.command_wait_interval)
        polled = client.command(result.get("id"))
        if polled is None:
            raise agent_client.AgentError(
                node=client.node,
                url=client.url,
                operation=f"command {result.get('command_name')}",
                reason="the agent no longer knows the command (did it restart?)",
            )
        result = polled
    if result.get("command_status") == "RUNNING":
        raise agent_client.AgentError(
            node=client.node,
            url=client.url,
            operation=f"command {result.get('command_name')}",
            reason=f"still running after {attempts} polls "
            f"{CONF.agent.command_wait_interval} s apart",
        )
    return result


def _burnin_args(duration: int | None) -> dict:
    return {} if duration is None else {"duration": duration}


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
KEXEC_KERNEL = "/boot/vmlinuz"
KEXEC_INITRD = "/boot/initrd.img"


def kexec_wanted(node: dict) -> bool:
    """Whether the deploy ends with a kexec: ``instance_info/kexec`` when set, else ``[deploy]
    kexec``; InvalidParameterValue for a value that is not a boolean."""
    value = (node["instance_info"] or {}).get("kexec")
    if value is None:
        return CONF.deploy.kexec
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE + _FALSE:
        return text in _TRUE
    raise exceptions.InvalidParameterValue(
        err=f"Node {node['uuid']}: instance_info/kexec must be a boolean, not {value!r}"
    )


def kexec_params(node: dict) -> dict:
    """``standby.kexec``'s parameters: the kernel and initrd inside the deployed OS and the
    command line (default: the agent's ``root=<root partition> ro``)."""
    info = node["instance_info"] or {}
    params = {
        "kernel": info.get("kexec_kernel") or KEXEC_KERNEL,
        "initrd": info.get("kexec_initrd") or KEXEC_INITRD,
    }
    if info.get("kexec_append"):
        params["append"] = info["kexec_append"]
    return params


def boot_by_kexec(task) -> bool:
    """Have the agent sync and kexec into the deployed OS; True when it took the command.

    The machine stays powered on and the BMC is not touched. Any failure (no agent, no kexec
    on the ramdisk, no such kernel) is a warning in node history and False: the caller powers
    the machine off and on instead, so the deploy still ends in ``active``.
    """
    params = kexec_params(task.node)
    try:
        client = agent_client.AgentClient(task.node)
        agent_client.checked(client.run("standby.sync", wait=True), client, "syncing disks")
        result = agent_client.checked(
            client.run("standby.kexec", params, wait=True), client, "kexec into the instance"
        )
    except (agent_client.AgentError, agent_client.AgentNotRunning) as exc:
        LOG.warning("Node %s: kexec failed, power cycling instead: %s", task.node["uuid"], exc)
        task.history(
            f"kexec into the deployed OS failed, rebooting through the BMC instead: {exc}",
            severity="WARNING",
        )
        return False
    loaded = result.get("command_result") or {}
    session.forget(task)
    task.remember(deploy_kexec_booted=True)
    task.save(power_state=states.POWER_ON, target_power_state=None)
    task.history(
        f"Booted the deployed OS by kexec (kernel {loaded.get('kernel', params['kernel'])}, "
        f"initrd {loaded.get('initrd', params['initrd'])}, root {loaded.get('root')}) "
        "without a power cycle",
    )
    return True


def power_off_through_agent(task) -> None:
    """Ask the agent to power off in-band; wait for the BMC to agree, else power off hard."""
    try:
        client = agent_client.AgentClient(task.node)
        client.run("standby.sync", wait=True)
        client.run("standby.power_off")
    except (agent_client.AgentError, agent_client.AgentNotRunning) as exc:
        LOG.info("Node %s: in-band power off not possible (%s)", task.node["uuid"], exc)
    else:
        deadline = time.monotonic() + CONF.agent.post_deploy_power_off_wait
        while time.monotonic() < deadline:
            try:
                if task.driver.power.get_power_state(task) == states.POWER_OFF:
                    break
            except exceptions.IronicLiteError as exc:
                LOG.info("Node %s: power state unknown (%s)", task.node["uuid"], exc)
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
    session.forget(task)
    task.power(states.POWER_OFF)
