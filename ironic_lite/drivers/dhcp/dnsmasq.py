"""``[dhcp] dhcp_provider = dnsmasq``: files for a dnsmasq that reads ``[dnsmasq]
dhcp_hostsdir`` and ``dhcp_optsdir`` (its ``dhcp-hostsdir`` and ``dhcp-optsdir``), in the
layout of Ironic's provider, so one dnsmasq setup serves both:

    <dhcp_hostsdir>/ironic-<mac>.conf     <mac>,set:<tag>,set:ironic     while it boots
                                          <mac>,ignore                   after clean-up
    <dhcp_optsdir>/ironic-<node>.conf     tag:<tag>,<option>,<value>     one line per option

dnsmasq reads new and changed files in those directories by itself (inotify), but keeps what
it read from a file that changed or went away until it gets SIGHUP. Hence, as in Ironic, each
preparation tags the node's MACs with a fresh tag (options of an older tag match nobody), and
clean-up rewrites a host file to ``ignore`` instead of deleting it: a MAC ironic-lite knows is
not answered outside of its boots. Host files go only when their port or node is deleted.
Files are written under a dot-name and renamed, so dnsmasq never reads half a file.

dnsmasq's own configuration defines the client tags the options use: ``dhcp-match=set:ipxe,175``
(iPXE), ``dhcp-match=set:efi,option:client-arch,7`` (and ``,9``: UEFI PXE) and
``dhcp-match=set:efi-http,option:client-arch,16`` (UEFI HTTP boot); see docs/drivers.md.
"""

import contextlib
import logging
import os
import tempfile
import uuid

from ironic_lite.conf import CONF
from ironic_lite.drivers.dhcp.base import DHCPProvider, pxe_macs

LOG = logging.getLogger(__name__)

TAG_KEY = "dnsmasq_tag"


def _write(path: str, text: str) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def host_file(mac: str) -> str:
    return os.path.join(CONF.dnsmasq.dhcp_hostsdir, f"ironic-{mac.lower()}.conf")


def opts_file(node_uuid: str) -> str:
    return os.path.join(CONF.dnsmasq.dhcp_optsdir, f"ironic-{node_uuid}.conf")


class DnsmasqDHCP(DHCPProvider):
    def update_dhcp_opts(self, task, options: list[tuple[str, str]]) -> None:
        node = task.node
        # A fresh tag each time: dnsmasq may still hold the lines of an older one.
        tag = uuid.uuid4().hex
        task.remember(**{TAG_KEY: tag})
        lines = [f"tag:{tag},{name},{value}\n" for name, value in options]
        # Options first: once a host file tags a MAC, its options are already there.
        _write(opts_file(node["uuid"]), "".join(lines))
        for mac in pxe_macs(task.ports):
            _write(host_file(mac), f"{mac},set:{tag},set:ironic\n")
        LOG.debug("Node %s: DHCP options written with tag %s", node["uuid"], tag)

    def clean_dhcp_opts(self, task) -> None:
        if (task.node["driver_internal_info"] or {}).get(TAG_KEY):
            task.remember(**{TAG_KEY: None})
        for mac in pxe_macs(task.ports):
            _write(host_file(mac), f"{mac},ignore\n")
        _remove(opts_file(task.node["uuid"]))

    def forget(self, node_uuid: str | None, macs: list[str]) -> None:
        for mac in macs:
            _remove(host_file(mac))
        if node_uuid:
            _remove(opts_file(node_uuid))

    def ip_addresses(self, task) -> list[str]:
        """From dnsmasq's lease file: ``<expiry> <mac> <ip> <name> <client id>`` lines."""
        macs = set(pxe_macs(task.ports))
        try:
            with open(CONF.dnsmasq.dhcp_leasefile) as f:
                leases = [line.split() for line in f]
        except FileNotFoundError:
            return []
        return [lease[2] for lease in leases if len(lease) > 2 and lease[1].lower() in macs]
