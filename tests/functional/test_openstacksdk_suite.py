"""openstacksdk's own bare-metal functional suite, run against a fresh all-in-one service.

The suite ships inside the openstacksdk package (``openstack/tests/functional/baremetal``) and
is what openstacksdk runs against a real Ironic; every one of its tests must pass here too.
Its base class connects to the clouds ``devstack``, ``devstack-alt``, ``devstack-admin`` and
``devstack-system-admin``; they all point at the service, with no authentication. It runs
serially (its tests share fixed names such as ``node1``) under subunit's runner, with the
generous per-test timeout openstacksdk's own functional jobs use: its waits poll every 2 s.
"""

import io
import os
import subprocess
import sys

import openstack
import pytest
import subunit
import testtools

from tests.lab.server import Service

CLOUDS = ("devstack", "devstack-alt", "devstack-admin", "devstack-system-admin")
EXPECTED_TESTS = 96  # in openstacksdk 4.22; a newer SDK may add some: update with care
PASSED = {"success", "skip", "xfail"}


def _clouds_yaml(url: str) -> str:
    lines = ["clouds:"]
    for name in CLOUDS:
        lines += [
            f"  {name}:",
            "    auth_type: none",
            "    auth:",
            f"      endpoint: {url}",
            f"    baremetal_endpoint_override: {url}",
            "    has_compute: false",
            "    has_image: false",
        ]
    return "\n".join(lines) + "\n"


def _results(stream: bytes) -> dict[str, dict]:
    """Each test's final status and details, read from a subunit v2 stream."""
    tests: dict[str, dict] = {}
    result = testtools.StreamToDict(lambda test: tests.__setitem__(test["id"], test))
    result.startTestRun()
    subunit.ByteStreamToStreamResult(io.BytesIO(stream), non_subunit_name="stdout").run(result)
    result.stopTestRun()
    return {k: v for k, v in tests.items() if v["status"] != "exists"}


@pytest.fixture(scope="module")
def fresh_service():
    svc = Service().start()
    yield svc
    svc.stop()


def test_openstacksdk_baremetal_suite_passes_entirely(fresh_service, tmp_path):
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(_clouds_yaml(fresh_service.url))
    site = os.path.dirname(os.path.dirname(openstack.__file__))
    suite = os.path.join(site, "openstack", "tests", "functional", "baremetal")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "OPENSTACKSDK_"))}
    env.update(
        OS_CLIENT_CONFIG_FILE=str(clouds),
        OS_CLOUD="devstack-admin",
        OS_TEST_TIMEOUT="120",
        HOME=str(tmp_path),  # no clouds.yaml or cache of the user's
    )
    proc = subprocess.run(
        [sys.executable, "-m", "subunit.run", "discover", "-t", site, "-s", suite],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=1800,
    )
    tests = _results(proc.stdout)
    failed = {name: t for name, t in tests.items() if t["status"] not in PASSED}
    report = []
    for name, test in sorted(failed.items()):
        report.append(f"=== {test['status'].upper()}: {name}")
        for key, content in test["details"].items():
            text = b"".join(content.iter_bytes()).decode(errors="replace")
            report.append(f"--- {key}:\n{text[-4000:]}")
    assert not failed, (
        f"{len(failed)} of {len(tests)} openstacksdk tests failed:\n"
        + "\n".join(sorted(failed))
        + "\n\n"
        + "\n".join(report)
        + f"\n\nservice log:\n{fresh_service.read_log()[-5000:]}"
    )
    stderr = proc.stderr.decode(errors="replace")[-3000:]
    assert len(tests) == EXPECTED_TESTS, (
        f"ran {len(tests)} tests, expected {EXPECTED_TESTS}; stderr:\n{stderr}"
    )
    assert proc.returncode == 0, stderr
