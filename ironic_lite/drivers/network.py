"""Network interfaces: where a node's virtual interfaces (VIFs) are plugged.

``flat`` (the default, as in Ironic) records a VIF on the port or portgroup it is bound to,
in ``internal_info.tenant_vif_port_id``, as Ironic does: all nodes share one provider network,
so nothing moves between networks. ``noop`` is Ironic's ``noop``: switch configuration and
VIF bookkeeping are someone else's, so it records nothing, lists nothing and never fails.

The errors are Ironic's, because Nova's driver acts on their codes: attaching a VIF twice is a
409 (Nova: "already attached"), no free port is a 400, detaching a VIF that is not attached a
400 (which Nova ignores).
"""

from ironic_lite.common import exceptions
from ironic_lite.drivers import base

VIF_KEY = "tenant_vif_port_id"


class FlatNetwork(base.NetworkInterface):
    """One shared provider network: VIFs are recorded on ports and portgroups."""

    def vif_list(self, task) -> list[dict]:
        vifs = [p["internal_info"].get(VIF_KEY) for p in task.portgroups + task.ports]
        return [{"id": v} for v in vifs if v]

    def _bound(self, task, vif_id: str):
        for pg in task.portgroups:
            if pg["internal_info"].get(VIF_KEY) == vif_id:
                return "portgroup", pg
        for port in task.ports:
            if port["internal_info"].get(VIF_KEY) == vif_id:
                return "port", port
        return None, None

    def vif_attach(self, task, vif_info: dict) -> None:
        vif_id = vif_info["id"]
        kind, bound = self._bound(task, vif_id)
        if bound is not None:
            raise exceptions.VifAlreadyAttached(
                vif=vif_id, object_type=kind, object_uuid=bound["uuid"]
            )
        portgroups, ports = task.portgroups, task.ports
        in_group = {p["portgroup_id"] for p in ports if p["portgroup_id"]}
        if vif_info.get("port_uuid"):
            candidates = [("port", p) for p in ports if p["uuid"] == vif_info["port_uuid"]]
        elif vif_info.get("portgroup_uuid"):
            candidates = [
                ("portgroup", g) for g in portgroups if g["uuid"] == vif_info["portgroup_uuid"]
            ]
        else:
            # Portgroups first, then standalone ports, PXE-enabled ones before others.
            candidates = [("portgroup", g) for g in portgroups if g["id"] in in_group]
            candidates += [
                ("port", p)
                for p in sorted(
                    (p for p in ports if not p["portgroup_id"]), key=lambda p: not p["pxe_enabled"]
                )
            ]
        for kind, target in candidates:
            if target["internal_info"].get(VIF_KEY):
                continue
            info = dict(target["internal_info"], **{VIF_KEY: vif_id})
            save = task.save_portgroup if kind == "portgroup" else task.save_port
            save(target, internal_info=info)
            return
        raise exceptions.NoFreePhysicalPorts(vif=vif_id)

    def vif_detach(self, task, vif_id: str) -> None:
        kind, target = self._bound(task, vif_id)
        if target is None:
            raise exceptions.VifNotAttached(vif=vif_id, node=task.node["uuid"])
        info = dict(target["internal_info"])
        info.pop(VIF_KEY, None)
        save = task.save_portgroup if kind == "portgroup" else task.save_port
        save(target, internal_info=info)


class NoopNetwork(base.NetworkInterface):
    """Networking is handled elsewhere: VIFs are neither recorded nor refused (Ironic's noop)."""

    def vif_list(self, task) -> list[dict]:
        return []

    def vif_attach(self, task, vif_info: dict) -> None:
        """Nothing to record: the VIF is the network operator's business."""

    def vif_detach(self, task, vif_id: str) -> None:
        """Nothing was recorded, so nothing to remove."""
