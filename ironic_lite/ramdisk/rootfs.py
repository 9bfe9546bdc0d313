"""The agent layer of a ramdisk, its init, trimming and packing into an initramfs.

The agent lives in its own virtual environment, ``/opt/agent``, installed by the ramdisk's own
pip from wheels the host's pip fetched (the host's package index settings apply; the ramdisk's
Python is Debian 12's 3.11, so wheels for the host's 3.11 fit). Bytecode is kept: a ramdisk
boots under TCG at a fraction of native speed, and compiling IPA's imports on every boot
costs more there than the bytes do.
"""

import glob
import os
import shutil
import stat
import subprocess
import sys

from ironic_lite.ramdisk.debian import chroot, run

FILES = os.path.join(os.path.dirname(__file__), "files")
IPA_VERSION = "13.0.0"
# What ironic-lite-agent needs besides the standard library (the same ranges as the repo's).
LITE_REQUIREMENTS = ("flask>=3.0,<4", "cheroot>=10,<12", "requests>=2.31,<3", "tenacity>=8.2,<10")
AGENTS = {
    "ipa": {
        "name": "ironic-python-agent",
        "requirements": (f"ironic-python-agent=={IPA_VERSION}",),
        "command": "/opt/agent/bin/ironic-python-agent",
    },
    "lite": {
        "name": "ironic-lite-agent",
        "requirements": LITE_REQUIREMENTS,
        "command": "/opt/agent/bin/ironic-lite-agent --hardware real",
    },
}
# Removed from every ramdisk (glob patterns): documentation, translations, caches, and what
# only building (apt, dpkg's scripts, pip, venv's wheels, perl) or other machines (udev's
# hardware database) need.
TRIM = (
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "usr/share/i18n",
    "usr/share/lintian",
    "usr/share/bug",
    "usr/share/bash-completion",
    "usr/share/zsh",
    "usr/share/common-licenses",
    "usr/share/python-wheels",
    "usr/share/perl",
    "usr/share/perl5",
    "usr/lib/x86_64-linux-gnu/perl-base",
    "usr/lib/x86_64-linux-gnu/perl",
    "usr/lib/x86_64-linux-gnu/gconv",
    "usr/lib/udev/hwdb.bin",
    "usr/lib/udev/hwdb.d",
    "etc/udev/hwdb.bin",
    "usr/lib/python3.11/test",
    "usr/lib/python3.11/idlelib",
    "usr/lib/python3.11/tkinter",
    "usr/lib/python3.11/turtledemo",
    "usr/lib/python3.11/ensurepip",
    "usr/lib/python3.11/lib2to3",
    "usr/lib/python3.11/pydoc_data",
    "usr/lib/python3/dist-packages/pip",
    "usr/bin/qemu-io",
    "usr/bin/qemu-nbd",
    "usr/bin/qemu-storage-daemon",
    "usr/bin/perl*",
    "usr/bin/apt*",
    "usr/lib/apt",
    "usr/lib/x86_64-linux-gnu/libapt-*",
    "var/lib/dpkg/info",
    "var/cache/apt",
    "var/lib/apt/lists",
    "var/cache/debconf",
    "var/log",
)


def site_packages(root: str) -> str:
    return glob.glob(os.path.join(root, "opt", "agent", "lib", "python3*", "site-packages"))[0]


def install_agent(root: str, agent: str, agent_source: str | None = None) -> None:
    """``/opt/agent`` with the agent: IPA from PyPI, or the ``ironic_lite_agent`` package."""
    spec = AGENTS[agent]
    wheels = os.path.join(root, "tmp", "wheels")
    os.makedirs(wheels, exist_ok=True)
    run([sys.executable, "-m", "pip", "wheel", "-q", "--wheel-dir", wheels, *spec["requirements"]])
    chroot(root, "python3", "-m", "venv", "/opt/agent")
    chroot(
        root,
        "/opt/agent/bin/pip",
        "install",
        "-q",
        "--no-index",
        "--find-links",
        "/tmp/wheels",
        *spec["requirements"],
    )
    shutil.rmtree(wheels)
    if agent == "lite":
        target = os.path.join(site_packages(root), "ironic_lite_agent")
        shutil.copytree(agent_source, target, ignore=shutil.ignore_patterns("__pycache__"))
        script = os.path.join(root, "opt", "agent", "bin", "ironic-lite-agent")
        with open(script, "w") as f:
            f.write(
                "#!/opt/agent/bin/python3\nimport sys\n\nfrom ironic_lite_agent.cli import main\n\n"
            )
            f.write("sys.exit(main())\n")
        os.chmod(script, 0o755)
    for name in ("pip", "setuptools", "_distutils_hack", "pkg_resources"):
        for path in glob.glob(os.path.join(site_packages(root), name)) + glob.glob(
            os.path.join(site_packages(root), f"{name}-*.dist-info")
        ):
            if name == "pkg_resources" and agent == "ipa":
                continue  # IPA's plugins (stevedore) may still look entry points up through it
            shutil.rmtree(path)
    for path in glob.glob(os.path.join(root, "opt", "agent", "bin", "pip*")) + glob.glob(
        os.path.join(site_packages(root), "distutils-precedence.pth")
    ):
        os.unlink(path)
    chroot(root, "/opt/agent/bin/python3", "-m", "compileall", "-q", "-j", "0", "/opt/agent/lib")


def _install(source: str, root: str, path: str, mode: int = 0o755) -> None:
    target = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copy(os.path.join(FILES, source), target)
    os.chmod(target, mode)


def install_init(root: str, agent: str, modules: list[str]) -> None:
    """The init, the network script, the DHCP hook, power shims and what the init reads."""
    _install("init", root, "/init")
    _install("ironic-lite-ramdisk-network", root, "/usr/local/sbin/ironic-lite-ramdisk-network")
    _install("udhcpc.script", root, "/usr/local/share/ironic-lite-ramdisk/udhcpc.script")
    for name in ("poweroff", "reboot", "halt"):
        _install("power", root, f"/usr/local/sbin/{name}")
    spec = AGENTS[agent]
    etc = os.path.join(root, "etc", "ironic-lite-ramdisk")
    os.makedirs(etc, exist_ok=True)
    with open(os.path.join(etc, "agent"), "w") as f:
        f.write(f"AGENT_NAME={spec['name']}\nAGENT_COMMAND='{spec['command']}'\n")
    with open(os.path.join(etc, "modules"), "w") as f:
        f.write("\n".join(modules) + "\n")
    with open(os.path.join(root, "etc", "hostname"), "w") as f:
        f.write("ironic-ramdisk\n")
    with open(os.path.join(root, "etc", "fstab"), "w") as f:
        f.write("# the ramdisk mounts what it needs in /init\n")
    os.makedirs(os.path.join(root, "etc", "ironic-python-agent.d"), exist_ok=True)


def trim(root: str) -> None:
    """Remove what a ramdisk never uses, and optimised bytecode duplicates."""
    for pattern in TRIM:
        for full in glob.glob(os.path.join(root, pattern)):
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full)
            elif os.path.lexists(full):
                os.unlink(full)
    for pattern in ("**/*.opt-1.pyc", "**/*.opt-2.pyc"):
        for path in glob.glob(os.path.join(root, "usr", pattern), recursive=True):
            os.unlink(path)
    os.makedirs(os.path.join(root, "var", "log"), exist_ok=True)
    resolv = os.path.join(root, "etc", "resolv.conf")
    if os.path.lexists(resolv):
        os.unlink(resolv)
    open(resolv, "w").close()


def tree_size(root: str) -> int:
    total = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            st = os.lstat(os.path.join(dirpath, name))
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
    return total


def pack(root: str, output: str, level: int = 10) -> None:
    """``root`` as a newc cpio archive compressed with zstd (Debian's kernel unpacks zstd,
    and decompresses it several times faster than xz: that matters under TCG)."""
    with open(output + ".tmp", "wb") as out:
        find = subprocess.Popen(
            ["find", ".", "-mindepth", "1", "-print0"], cwd=root, stdout=subprocess.PIPE
        )
        cpio = subprocess.Popen(
            ["cpio", "--quiet", "--null", "-o", "-H", "newc"],
            cwd=root,
            stdin=find.stdout,
            stdout=subprocess.PIPE,
        )
        find.stdout.close()
        zstd = subprocess.run(
            ["zstd", "-q", f"-{level}", "-T0", "--stdout"],
            stdin=cpio.stdout,
            stdout=out,
            timeout=1800,
        )
        cpio.stdout.close()
        if cpio.wait() != 0 or find.wait() != 0 or zstd.returncode != 0:
            raise RuntimeError("packing the initramfs failed (find | cpio | zstd)")
    os.replace(output + ".tmp", output)
