"""Files shipped for operators stay in step with the code that reads them."""

import configparser
import pathlib
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_config_sample_is_what_the_generator_writes(tmp_path):
    out = tmp_path / "sample.conf"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "oslo_config.generator",
            "--config-file",
            str(ROOT / "etc/ironic-lite/config-generator.conf"),
            "--output-file",
            str(out),
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    shipped = (ROOT / "etc/ironic-lite/ironic-lite.conf.sample").read_text()
    assert out.read_text() == shipped, (
        "etc/ironic-lite/ironic-lite.conf.sample is stale: run oslo-config-generator "
        "--config-file etc/ironic-lite/config-generator.conf"
    )


def test_policy_sample_is_what_the_generator_writes(tmp_path):
    out = tmp_path / "policy.yaml"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from oslo_policy.generator import generate_sample; generate_sample()",
            "--config-file",
            str(ROOT / "etc/ironic-lite/policy-generator.conf"),
            "--output-file",
            str(out),
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    shipped = (ROOT / "etc/ironic-lite/policy.yaml.sample").read_text()
    assert out.read_text() == shipped, (
        "etc/ironic-lite/policy.yaml.sample is stale: run oslopolicy-sample-generator "
        "--config-file etc/ironic-lite/policy-generator.conf"
    )


def test_systemd_units_start_commands_the_package_installs():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    units = sorted((ROOT / "etc/systemd").glob("*.service"))
    assert {u.stem for u in units} == {
        "ironic-lite",
        "ironic-lite-api",
        "ironic-lite-conductor",
        "ironic-lite-dbsync",
    }
    for unit in units:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.read(unit)
        command = parser["Service"]["ExecStart"].split()
        assert pathlib.Path(command[0]).name in scripts, unit.name
        assert "--config-file" in command, unit.name
