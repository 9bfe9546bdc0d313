"""Build a deploy ramdisk once per machine: the recipe, its cache key, the steps.

Two levels of cache under ``${XDG_CACHE_HOME:-~/.cache}/ironic-lite/ramdisks``:

- ``base-<key>/``: debootstrapped Debian with the tools, the kernel and its trimmed modules.
  Its key hashes the suite, mirror, packages and modules. Shared by both agents.
- ``<agent>-<key>/``: ``vmlinuz``, ``initramfs``, ``ramdisk.iso`` and ``manifest.json`` (sizes,
  build times, versions). Its key adds the agent, its requirements, the init files and, for
  ``lite``, the agent's source. ``build`` returns at once when it exists.

A lock file per key (``locks/``) keeps two builds of the same ramdisk (two test workers) from
racing; the three newest builds of each agent are kept, older ones removed.
"""

import dataclasses
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time

from ironic_lite.ramdisk import debian, iso, rootfs

LOG = logging.getLogger(__name__)
BASE_FORMAT = 1  # bump when the base's steps change in a way its inputs do not show


@dataclasses.dataclass(frozen=True)
class Recipe:
    agent: str  # "ipa" or "lite"
    mirror: str = dataclasses.field(default_factory=debian.host_mirror)
    packages: tuple[str, ...] = debian.PACKAGES
    modules: tuple[str, ...] = debian.MODULES

    def __post_init__(self):
        if self.agent not in rootfs.AGENTS:
            raise ValueError(f"unknown agent {self.agent!r}; use one of {sorted(rootfs.AGENTS)}")

    def base_key(self) -> str:
        inputs = {
            "format": BASE_FORMAT,
            "suite": debian.SUITE,
            "mirror": self.mirror,
            "packages": sorted(self.packages),
            "modules": sorted(self.modules),
        }
        return _digest(json.dumps(inputs, sort_keys=True).encode())

    def key(self) -> str:
        digest = hashlib.sha256(self.base_key().encode())
        digest.update(json.dumps([self.agent, rootfs.AGENTS[self.agent]]).encode())
        for path in sorted(_files(rootfs.FILES)) + [rootfs.__file__, iso.__file__]:
            with open(path, "rb") as f:
                digest.update(f.read())
        if self.agent == "lite":
            source = agent_source()
            for path in sorted(_files(source)):
                with open(path, "rb") as f:  # relative: clones in other folders share the key
                    digest.update(os.path.relpath(path, source).encode() + f.read())
        return digest.hexdigest()[:16]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _files(directory: str) -> list[str]:
    found = []
    for dirpath, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        found += [os.path.join(dirpath, n) for n in names if not n.endswith(".pyc")]
    return found


def agent_source() -> str:
    """The ``ironic_lite_agent`` package that ``lite`` ramdisks carry: this installation's."""
    import ironic_lite_agent

    return os.path.dirname(ironic_lite_agent.__file__)


def cache_root() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "ironic-lite", "ramdisks")


def cached(recipe: Recipe, output: str | None = None) -> dict | None:
    """The manifest of an already built ramdisk, or None."""
    directory = output or os.path.join(cache_root(), f"{recipe.agent}-{recipe.key()}")
    try:
        with open(os.path.join(directory, "manifest.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


class _Lock:
    def __init__(self, path: str):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.file = open(path, "w")  # noqa: SIM115 - held for the whole build

    def __enter__(self):
        fcntl.flock(self.file, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.file, fcntl.LOCK_UN)
        self.file.close()


def base(recipe: Recipe) -> dict:
    """The shared base (built when missing): ``{"root", "kernel", "kernel_version",
    "modules", "seconds"}``."""
    directory = os.path.join(cache_root(), f"base-{recipe.base_key()}")
    manifest_path = os.path.join(directory, "base.json")
    with _Lock(os.path.join(cache_root(), "locks", f"base-{recipe.base_key()}.lock")):
        try:
            with open(manifest_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            pass
        root = os.path.join(directory, "root")
        bootstrapped = os.path.join(directory, "debootstrap.seconds")
        if not os.path.exists(bootstrapped):  # a failed later step resumes after this one
            started = time.monotonic()
            shutil.rmtree(directory, ignore_errors=True)
            os.makedirs(directory)
            LOG.info("debootstrap %s from %s into %s", debian.SUITE, recipe.mirror, root)
            debian.debootstrap(root, recipe.mirror, recipe.packages)
            with open(bootstrapped, "w") as f:
                f.write(f"{time.monotonic() - started:.1f}\n")
        with open(bootstrapped) as f:
            debootstrap_seconds = float(f.read())
        started = time.monotonic()
        with tempfile.TemporaryDirectory(dir=directory) as work:
            tree, version = debian.fetch_kernel(root, work)
            kernel = os.path.join(directory, "vmlinuz")
            shutil.copy(os.path.join(tree, "boot", f"vmlinuz-{version}"), kernel)
            modules = debian.install_modules(tree, version, root, recipe.modules)
        for path in ("var/cache/apt/archives", "var/lib/apt/lists"):
            shutil.rmtree(os.path.join(root, path), ignore_errors=True)
        manifest = {
            "root": root,
            "kernel": kernel,
            "kernel_version": version,
            "modules": modules,
            "mirror": recipe.mirror,
            "seconds": round(debootstrap_seconds + time.monotonic() - started, 1),
        }
        with open(manifest_path, "w") as f:
            json.dump(manifest, f, indent=1)
        return manifest


def build(recipe: Recipe, output: str | None = None, rebuild: bool = False) -> dict:
    """Build (or find) the ramdisk of ``recipe``; its manifest, with ``directory``."""
    key = recipe.key()
    directory = os.path.abspath(output or os.path.join(cache_root(), f"{recipe.agent}-{key}"))
    with _Lock(os.path.join(cache_root(), "locks", f"{recipe.agent}-{key}.lock")):
        found = None if rebuild else cached(recipe, directory)
        if found and found.get("key") == key:
            return {**found, "cached": True}
        started = time.monotonic()
        foundation = base(recipe)
        base_seconds = time.monotonic() - started
        os.makedirs(cache_root(), exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache_root(), prefix="work-") as work:
            root = os.path.join(work, "root")
            debian.run(["cp", "-a", foundation["root"], root])
            step = time.monotonic()
            rootfs.install_agent(root, recipe.agent, agent_source())
            rootfs.install_init(root, recipe.agent, foundation["modules"])
            rootfs.trim(root)
            agent_seconds = time.monotonic() - step
            unpacked = rootfs.tree_size(root)
            os.makedirs(directory, exist_ok=True)
            step = time.monotonic()
            initramfs = os.path.join(directory, "initramfs")
            rootfs.pack(root, initramfs)
            pack_seconds = time.monotonic() - step
        kernel = os.path.join(directory, "vmlinuz")
        shutil.copy(foundation["kernel"], kernel)
        step = time.monotonic()
        image = iso.make_iso(kernel, initramfs, os.path.join(directory, "ramdisk.iso"))
        iso_seconds = time.monotonic() - step
        manifest = {
            "agent": recipe.agent,
            "agent_name": rootfs.AGENTS[recipe.agent]["name"],
            "requirements": list(rootfs.AGENTS[recipe.agent]["requirements"]),
            "key": key,
            "directory": directory,
            "kernel": kernel,
            "initramfs": initramfs,
            "iso": image,
            "kernel_version": foundation["kernel_version"],
            "mirror": foundation["mirror"],
            "suite": debian.SUITE,
            "sizes": {
                "kernel": os.path.getsize(kernel),
                "initramfs": os.path.getsize(initramfs),
                "initramfs_unpacked": unpacked,
                "iso": os.path.getsize(image),
            },
            "seconds": {
                "base": round(foundation["seconds"], 1),
                "base_this_build": round(base_seconds, 1),
                "agent": round(agent_seconds, 1),
                "pack": round(pack_seconds, 1),
                "iso": round(iso_seconds, 1),
                "total": round(time.monotonic() - started, 1),
            },
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        with open(os.path.join(directory, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=1)
        if output is None:
            prune(recipe.agent, keep=directory)
        return {**manifest, "cached": False}


def prune(agent: str, keep: str, newest: int = 3) -> list[str]:
    """Remove all but the ``newest`` cached builds of ``agent`` (``keep`` always stays): every
    change of the agent or the init files makes a new key, and each build is 60-80 MiB."""
    root = cache_root()
    builds = sorted(
        (os.path.join(root, name) for name in os.listdir(root) if name.startswith(f"{agent}-")),
        key=os.path.getmtime,
        reverse=True,
    )
    removed = []
    for directory in builds[newest:]:
        if os.path.abspath(directory) != os.path.abspath(keep) and os.path.isdir(directory):
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory)
    return removed
