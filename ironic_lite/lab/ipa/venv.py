"""IPA in a virtualenv of its own, outside ironic-lite's, with the lab's plugin in it.

IPA pins its own oslo libraries; installing it next to ironic-lite would move ironic-lite's
pins. So it lives in ``${XDG_CACHE_HOME:-~/.cache}/ironic-lite/ipa-venv`` (or
``IRONIC_LITE_IPA_VENV``), created on first use with the stock package from the package
index, and reused after. The lab's hardware manager is a module plus a ``dist-info`` carrying
its entry point (``ironic_python_agent.hardware_managers``), written into that venv's
site-packages; both are rewritten when their text changed, so an edited plugin is picked up
without rebuilding the venv.
"""

import contextlib
import fcntl
import glob
import hashlib
import os
import subprocess
import sys

IPA_REQUIREMENT = "ironic-python-agent==13.0.0"
PLUGIN_MODULE = "ironic_lite_lab_ipa"
PLUGIN_ENTRY_POINT = "lab"
_PLUGIN_DIST = "ironic_lite_lab_ipa-1.0.dist-info"


class IPAUnavailable(RuntimeError):
    """IPA could not be installed (no package index, no venv module)."""


def default_path() -> str:
    if os.environ.get("IRONIC_LITE_IPA_VENV"):
        return os.environ["IRONIC_LITE_IPA_VENV"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(cache, "ironic-lite", "ipa-venv")


def python(path: str | None = None) -> str:
    return os.path.join(path or default_path(), "bin", "python")


def ensure(path: str | None = None, timeout: float = 900) -> str:
    """The venv's directory, with IPA and the current plugin installed.

    Several test workers may call this at once: a lock file next to the venv serialises
    the creation; a finished venv is marked by ``.ironic-lite-ready``.
    """
    path = path or default_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not os.path.exists(os.path.join(path, ".ironic-lite-ready")):
                _create(path, timeout)
            _install_plugin(path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


def _create(path: str, timeout: float) -> None:
    steps = [
        [sys.executable, "-m", "venv", "--clear", path],
        [python(path), "-m", "pip", "install", "-q", IPA_REQUIREMENT],
    ]
    for argv in steps:
        try:
            subprocess.run(argv, check=True, timeout=timeout, capture_output=True)
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            raise IPAUnavailable(
                f"cannot install {IPA_REQUIREMENT} into {path}: {exc} "
                f"{detail.decode(errors='replace')[-2000:]}"
            ) from exc
    with open(os.path.join(path, ".ironic-lite-ready"), "w") as f:
        f.write(IPA_REQUIREMENT + "\n")


def site_packages(path: str) -> str:
    found = glob.glob(os.path.join(path, "lib", "python3*", "site-packages"))
    if not found:
        raise IPAUnavailable(f"{path} has no site-packages")
    return found[0]


def _install_plugin(path: str) -> None:
    """Write the plugin module and its dist-info (entry point) into the venv."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "hardware_manager.py"), "rb") as f:
        module = f.read()
    target = site_packages(path)
    dist = os.path.join(target, _PLUGIN_DIST)
    files = {
        os.path.join(target, PLUGIN_MODULE + ".py"): module,
        os.path.join(dist, "METADATA"): (
            b"Metadata-Version: 2.1\nName: ironic-lite-lab-ipa\nVersion: 1.0\n"
            b"Summary: ironic-lite lab hardware manager for ironic-python-agent\n"
        ),
        os.path.join(dist, "entry_points.txt"): (
            b"[ironic_python_agent.hardware_managers]\n"
            + f"{PLUGIN_ENTRY_POINT} = {PLUGIN_MODULE}:LabHardwareManager\n".encode()
        ),
    }
    os.makedirs(dist, exist_ok=True)
    records = []
    for file, data in files.items():
        records.append(f"{os.path.relpath(file, target)},,")
        _write_if_changed(file, data)
    _write_if_changed(os.path.join(dist, "RECORD"), ("\n".join(records) + "\n").encode())
    with contextlib.suppress(OSError):
        for cached in glob.glob(os.path.join(target, "__pycache__", PLUGIN_MODULE + ".*")):
            os.unlink(cached)


def _write_if_changed(path: str, data: bytes) -> None:
    with contextlib.suppress(OSError), open(path, "rb") as f:
        if hashlib.sha256(f.read()).digest() == hashlib.sha256(data).digest():
            return
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)
