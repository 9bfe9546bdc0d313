"""The ``agent`` rescue interface: boot the rescue ramdisk and hand its agent the password.

Rescue (``rescue``, called by the rescue flow, twice):

1. no agent of this rescue yet: power off, remove the instance's boot, move the machine from
   its tenant networks to the rescuing network (the network interface's business), prepare
   the rescue ramdisk boot (``rescue_kernel``/``rescue_ramdisk``), power on and park in
   ``rescue wait``;
2. the ramdisk's agent heart-beats (the flow resumes): ``rescue.finalize_rescue`` with the
   rescue password hashed (``instance_info.hashed_rescue_password``, crypt's SHA-256/512,
   ``hashed: true``); the agent sets it for its ``rescue`` user and stops serving its API.
   Both password fields are dropped from the node, the rescue ramdisk's boot files and the
   rescuing network go, the tenant networks come back; the node is ``rescue``.

Unrescue: power off, the same clean-up, the instance's boot prepared again, power on.
"""

from ironic_lite.common import exceptions, states
from ironic_lite.drivers import base
from ironic_lite.drivers.agent import client as agent_client
from ironic_lite.drivers.agent import session


def _forget_password(task) -> None:
    info = dict(task.node["instance_info"] or {})
    if "rescue_password" in info or "hashed_rescue_password" in info:
        info.pop("rescue_password", None)
        info.pop("hashed_rescue_password", None)
        task.save(instance_info=info)


class AgentRescue(base.RescueInterface):
    """Rescue through the agent of a rescue ramdisk; see the module docstring."""

    def validate(self, task) -> None:
        task.driver.network.validate_rescue(task)
        if task.driver.boot.requires_ramdisk:
            from ironic_lite.drivers.ramdisk_images import ramdisk_images

            ramdisk_images(task.node, "rescue")
        password = (task.node["instance_info"] or {}).get("rescue_password")
        if password is None:
            raise exceptions.MissingParameterValue(
                err=f"Node {task.node['uuid']} is missing 'instance_info/rescue_password'. "
                "It is required for rescuing node."
            )
        if not str(password).strip():
            raise exceptions.InvalidParameterValue(
                err=f"The 'instance_info/rescue_password' is an empty string for node "
                f"{task.node['uuid']}. The 'rescue_password' must be a non-empty string value."
            )

    def rescue(self, task):
        """Boot the rescue ramdisk (then WAIT), or, once its agent is up, finalize (None)."""
        info = task.node["driver_internal_info"] or {}
        if info.get("agent_flow") == "rescue" and session.alive(task.node):
            self._finalize(task)
            return None
        self.validate(task)
        network = task.driver.network
        task.power(states.POWER_OFF)
        task.driver.boot.clean_up_instance(task)
        network.unconfigure_tenant_networks(task)
        network.add_rescuing_network(task)
        task.driver.boot.prepare_ramdisk(task, {}, purpose="rescue")
        session.forget(task)
        task.remember(agent_flow="rescue", agent_wait={"reason": "boot"})
        task.power(states.POWER_ON)
        return base.Outcome.WAIT

    # --- the rescue ramdisk's heart-beats (the conductor dispatches them here) ------------
    def heartbeat(
        self,
        task,
        callback_url: str,
        agent_version: str | None = None,
        agent_verify_ca: str | None = None,
    ) -> bool:
        """Remember the agent (as the deploy interface does); True when the rescue waits
        for it."""
        base.DeployInterface.heartbeat(self, task, callback_url, agent_version, agent_verify_ca)
        info = task.node["driver_internal_info"] or {}
        return task.node["provision_state"] == states.RESCUEWAIT and bool(info.get("agent_wait"))

    def continue_after_heartbeat(self, task) -> bool:
        """The rescue ramdisk is up: the flow resumes and ``rescue`` finalizes."""
        task.remember(agent_wait=None)
        return True

    def _finalize(self, task) -> None:
        hashed = (task.node["instance_info"] or {}).get("hashed_rescue_password")
        if not hashed:
            raise exceptions.MissingParameterValue(
                err=f"Node {task.node['uuid']}: agent rescue requires rescue_password in "
                "instance_info"
            )
        client = agent_client.AgentClient(task.node)
        agent_client.checked(
            client.run(
                "rescue.finalize_rescue", {"rescue_password": hashed, "hashed": True}, wait=True
            ),
            client,
            "finalize_rescue",
        )
        # The agent stops serving its API (the tenant may reach that network now).
        session.forget(task)
        self.clean_up(task)
        task.driver.network.configure_tenant_networks(task)

    def clean_up(self, task) -> None:
        """Drop the password, the rescue ramdisk's boot and the rescuing network."""
        _forget_password(task)
        task.driver.boot.clean_up_ramdisk(task)
        task.driver.network.remove_rescuing_network(task)

    def unrescue(self, task) -> None:
        """Back to the deployed instance: power off, clean up, boot it again."""
        task.power(states.POWER_OFF)
        session.forget(task)
        self.clean_up(task)
        task.driver.network.configure_tenant_networks(task)
        task.driver.boot.prepare_instance(task)
        task.power(states.POWER_ON)
