"""Start stock IPA for one simulated machine, inside the sandbox.

``command(machine_dir, params)`` returns the argv that boots "the ramdisk" of that machine:
``unshare`` (new mount and PID namespaces, private propagation, its own /proc) running
``ironic_lite.lab.ipa.sandbox``, which builds the sandbox and starts
``ironic-python-agent --config-file machine/ipa/ipa.conf`` from IPA's venv. The kernel command
line IPA reads (``/proc/cmdline`` in the sandbox) is ``params``: ``ipa-api-url``,
``ipa-inspection-callback-url``, ``BOOTIF`` ..., as the boot interface wrote them.

IPA listens on 127.0.0.1 on a free port and advertises it; with auto-TLS (IPA's default,
kept) it serves HTTPS once its lookup says the API knows ``agent_verify_ca``.
"""

import os
import shlex
import shutil
import socket
import sys

import ironic_lite_agent as lite_agent
from ironic_lite.lab.ipa import tools, venv

IPA_UNAVAILABLE_EXIT = 70


def unavailable_reason() -> str | None:
    """Why IPA cannot run here (no unshare/setpriv, not root), or None."""
    for tool in ("unshare", "setpriv", "mount", "qemu-img"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if os.geteuid() != 0:
        return "the IPA sandbox needs root (mount and PID namespaces)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _agent_path(machine: str) -> str:
    """A directory holding only ``ironic_lite_agent`` (the agent's package) for the plugin."""
    path = os.path.join(machine, "ipa", "lib")
    os.makedirs(path, exist_ok=True)
    link = os.path.join(path, "ironic_lite_agent")
    target = os.path.dirname(os.path.abspath(lite_agent.__file__))
    if os.path.islink(link) and os.readlink(link) != target:
        os.unlink(link)
    if not os.path.lexists(link):
        os.symlink(target, link)
    return path


def command(
    machine: str,
    params: dict[str, str],
    port: int | None = None,
    log_file: str | None = None,
    venv_path: str | None = None,
    conf: dict[str, str] | None = None,
) -> tuple[list[str], int]:
    """(argv, port): the sandboxed IPA of ``machine`` with kernel parameters ``params``."""
    machine = os.path.abspath(machine)
    venv_path = venv.ensure(venv_path)
    port = port or free_port()
    home = os.path.join(machine, "ipa")
    os.makedirs(home, exist_ok=True)
    cmdline = os.path.join(home, "cmdline")
    with open(cmdline, "w") as f:
        f.write(" ".join(f"{k}={shlex.quote(str(v))}" for k, v in params.items()) + "\n")
    options = {
        "listen_host": "127.0.0.1",
        "listen_port": str(port),
        "advertise_host": "127.0.0.1",
        "advertise_port": str(port),
        "hardware_initialization_delay": "0",
        "disk_wait_attempts": "1",
        "disk_wait_delay": "0",
        "lookup_interval": "1",
        "collect_lldp": "false",
        "image_download_connection_retries": "2",
        "image_download_connection_retry_interval": "1",
        "debug": "true",
        "use_stderr": "false" if log_file else "true",
    }
    if params.get("ipa-inspection-callback-url"):
        # IPA's default adds the "logs" collector (journalctl, dmesg of this host).
        options["inspection_collectors"] = "default"
    if log_file:
        options["log_file"] = log_file
    options.update(conf or {})
    with open(os.path.join(home, "ipa.conf"), "w") as f:
        f.write("[DEFAULT]\n" + "".join(f"{k} = {v}\n" for k, v in options.items()))
    bin_dir = tools.install(os.path.join(home, "bin"), sys.executable)
    argv = [
        "unshare",
        "--mount",
        "--pid",
        "--fork",
        "--propagation",
        "private",
        "--mount-proc",
        "--kill-child=SIGKILL",
        "--",
        sys.executable,
        "-m",
        "ironic_lite.lab.ipa.sandbox",
        "--machine",
        machine,
        "--cmdline",
        cmdline,
        "--bin",
        bin_dir,
        "--agent-path",
        _agent_path(machine),
        "--",
        os.path.join(venv_path, "bin", "ironic-python-agent"),
        "--config-file",
        os.path.join(home, "ipa.conf"),
    ]
    return argv, port
