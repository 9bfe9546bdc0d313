"""Bifrost's default setup against ironic-lite: Ansible's openstack.cloud modules, http_basic.

``tests.lab.bifrost`` runs tests/playbooks/bifrost-lifecycle.yml (Bifrost's enrol, deploy,
undeploy and delete tasks, same modules and arguments) with ``ansible-playbook`` against the
lab (ironic-lite all-in-one with ``auth_strategy = http_basic``, one Redfish machine whose
agent the machine simulator runs), configured as Bifrost writes clouds.yaml. Every task must
pass, and between deploy and undeploy the simulated disk must hold the image (the lab's qcow2,
sent with no disk format and converted) and the config drive (by URL, ``gzip | base64``)
as a config-2 ISO. About 90 s; ``python -m tests.lab.bifrost run --auth noauth`` runs the
same with noauth. Fails in CI when a tool is missing, skipped elsewhere.
"""

import os

import pytest

from tests.lab import bifrost

pytestmark = pytest.mark.xdist_group("bifrost")


def test_bifrost_enrol_deploy_undeploy_with_http_basic(tmp_path):
    missing = bifrost.tools_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    result = bifrost.run("http_basic", str(tmp_path))
    logs = {p: (tmp_path / f"ansible-{p}.log").read_text() for p in ("deploy", "undeploy")}
    for phase in ("deploy", "undeploy"):
        assert result[phase]["failed"] == 0, logs[phase][-4000:]
    # Enrol (node and ports), cleaning, deploy, then undeploy and delete: every task ran.
    assert (result["deploy"]["ok"], result["undeploy"]["ok"]) == (11, 9), logs
    disk = result["disk"]
    assert disk["head_sha256"] == disk["expected_head_sha256"]  # qcow2 converted, not copied
    assert disk["config_drive_label"] == "config-2"
    assert disk["config_drive"] == disk["expected_config_drive"]
