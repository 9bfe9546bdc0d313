"""Stock IPA for tests: skip (fail in CI) when it cannot run here, and start it for a machine."""

import os
import signal
import subprocess

import pytest

from ironic_lite.lab.ipa import launch, venv


def require_ipa() -> str:
    """IPA's venv (created on first use); skips, or fails in CI, when IPA cannot run."""
    reason = launch.unavailable_reason()
    if reason is None:
        try:
            return venv.ensure()
        except venv.IPAUnavailable as exc:
            reason = str(exc)
    if os.environ.get("CI"):
        pytest.fail(f"stock IPA cannot run: {reason} (CI must run it)")
    pytest.skip(f"stock IPA cannot run: {reason}")


class IPA:
    """Stock IPA in its sandbox for one simulated machine, stopped by its PID."""

    def __init__(self, machine: str, params: dict[str, str], conf: dict | None = None):
        self.machine = machine
        self.log = os.path.join(machine, "ipa.log")
        argv, self.port = launch.command(machine, params, log_file=self.log, conf=conf)
        with open(os.path.join(machine, "ipa.out"), "ab") as out:
            self.proc = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def output(self) -> str:
        text = ""
        for name in ("ipa.out", "ipa.log"):
            try:
                with open(os.path.join(self.machine, name), errors="replace") as f:
                    lines = [
                        line
                        for line in f
                        if (" DEBUG " not in line or "ERROR" in line) and line.strip()
                    ]
                    text += "".join(lines[-40:])
            except OSError:
                pass
        return text

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
