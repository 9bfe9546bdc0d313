"""Fetching the agent's system logs into ``[agent] deploy_logs_local_path``.

One archive per fetch, ``<node uuid>_<label>_<UTC time>.tar.gz``: the base64 tarball the
agent's ``log.collect_system_logs`` answers with. Fetching never fails the flow it serves: a
dead agent or a full disk is logged and the flow carries on with its own error.
"""

import base64
import binascii
import datetime
import logging
import os
import re

from ironic_lite.conf import CONF
from ironic_lite.drivers.agent import client as agent_client

LOG = logging.getLogger(__name__)


def collect(task, label: str) -> str | None:
    """Store the agent's logs for the node; the archive's path, or None if none was stored."""
    if CONF.agent.deploy_logs_collect == "never":
        return None
    node = task.node
    try:
        result = agent_client.AgentClient(node).run("log.collect_system_logs", wait=True)
        agent_client.checked(result, agent_client.AgentClient(node), "collecting logs")
        data = base64.b64decode((result.get("command_result") or {}).get("system_logs") or "")
    except (agent_client.AgentError, agent_client.AgentNotRunning, binascii.Error) as exc:
        LOG.warning("Node %s: agent logs not collected: %s", node["uuid"], exc)
        return None
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", label)
    directory = CONF.agent.deploy_logs_local_path
    path = os.path.join(directory, f"{node['uuid']}_{safe}_{stamp}.tar.gz")
    try:
        os.makedirs(directory, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    except OSError as exc:
        LOG.warning("Node %s: agent logs not stored in %s: %s", node["uuid"], directory, exc)
        return None
    LOG.info("Node %s: agent logs stored in %s", node["uuid"], path)
    return path
