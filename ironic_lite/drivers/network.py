"""Network interfaces: where a node's virtual interfaces (VIFs) are plugged.

ironic-lite records a VIF on the port (or portgroup) it is bound to, in
``internal_info.tenant_vif_port_id``, as Ironic does; ``noop`` leaves switch configuration to
someone else, ``flat`` means all nodes share one provider network.
"""

from ironic_lite.common import exceptions
from ironic_lite.drivers import base

VIF_KEY = "tenant_vif_port_id"


class _VIFs(base.NetworkInterface):
    def vif_list(self, task) -> list[dict]:
        vifs = [p["internal_info"].get(VIF_KEY) for p in task.portgroups + task.ports]
        return [{"id": v} for v in vifs if v]

    def _bound(self, task, vif_id: str):
        for pg in task.portgroups:
            if pg["internal_info"].get(VIF_KEY) == vif_id:
                return pg, task.save_portgroup
        for port in task.ports:
            if port["internal_info"].get(VIF_KEY) == vif_id:
                return port, task.save_port
        return None, None

    def vif_attach(self, task, vif_info: dict) -> None:
        vif_id = vif_info["id"]
        if self._bound(task, vif_id)[0] is not None:
            raise exceptions.Conflict(
                f"VIF {vif_id} is already attached to node {task.node['uuid']}"
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
        wanted = vif_info.get("port_uuid") or vif_info.get("portgroup_uuid")
        raise exceptions.Conflict(
            f"Unable to attach VIF {vif_id}: node {task.node['uuid']} has no free "
            f"{'port ' + wanted if wanted else 'port or portgroup'}."
        )

    def vif_detach(self, task, vif_id: str) -> None:
        target, save = self._bound(task, vif_id)
        if target is None:
            raise exceptions.NotFound(
                f"Unable to detach VIF {vif_id} from node {task.node['uuid']}: not attached."
            )
        info = dict(target["internal_info"])
        info.pop(VIF_KEY, None)
        save(target, internal_info=info)


class NoopNetwork(_VIFs):
    """Switches are configured outside ironic-lite; VIFs are only recorded."""


class FlatNetwork(_VIFs):
    """One shared provider network: VIFs are recorded, nothing moves between networks."""
