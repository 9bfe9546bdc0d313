"""Which local files the conductor may read on an API caller's behalf.

Several node fields name an image by a path or a ``file://`` URL (deploy and rescue kernels
and ramdisks, ISOs, config drives, firmware images). The conductor copies such a file into
the TFTP or HTTP root, where any machine on the boot network can download it, so the choice
of file must not be left to the caller: a path like ``/etc/passwd``, the SQLite database
(with every BMC password) or ``/proc/self/environ`` would be published.

The rule, the same as Ironic's and applied here only: a local file is read when, after its
symbolic links and ``..`` are resolved, it is a regular file under one of ``[conductor]
file_url_allowed_paths`` and not under a protected path. Protected, whatever the
configuration says: /etc, /proc, /sys, /dev, /boot, /run, ``[DEFAULT] state_path``, the
database file, the htpasswd file and the configuration files. Validation calls
``check_local_path``; the code that reads calls ``open_local``, which checks again on the file
it actually opened, so a symbolic link swapped in between changes nothing.
"""

import os
import stat
import urllib.parse
from typing import BinaryIO

from ironic_lite.common import exceptions
from ironic_lite.conf import CONF
from ironic_lite.conf.database import database_url

# Never read, even when an allowed path contains them (Ironic's list).
SYSTEM_PATHS = ("/etc", "/proc", "/sys", "/dev", "/boot", "/run")
_OPTION = "[conductor] file_url_allowed_paths"


def is_local(ref: str) -> bool:
    """Whether ``ref`` names a file on the conductor: a ``file://`` URL or a path (anything
    without a URL scheme)."""
    return urllib.parse.urlsplit(str(ref)).scheme in ("", "file")


def _refuse(ref: str, what: str | None, reason: str) -> exceptions.LocalFileNotAllowed:
    label = f" ({what})" if what else ""
    return exceptions.LocalFileNotAllowed(err=f"Local file {ref}{label} refused: {reason}")


def _path_of(ref: str, what: str | None) -> str:
    """The absolute path a reference names; LocalFileNotAllowed for what is not one."""
    parts = urllib.parse.urlsplit(ref)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise _refuse(ref, what, f"a file:// URL must name this host, not {parts.netloc}")
        path = urllib.parse.unquote(parts.path)
    else:
        path = ref
    if "\0" in path:
        raise _refuse(ref, what, "the path contains a NUL character")
    if not os.path.isabs(path):
        raise _refuse(
            ref, what, "not an absolute path (give an http(s):// URL, a file:// URL or /a/path)"
        )
    return path


def _expand(path: str) -> str:
    """A configured path, as the process reads it (``~`` and ``$VARS`` expanded), resolved."""
    return os.path.realpath(os.path.expanduser(os.path.expandvars(path)))


def _database_files() -> list[str]:
    try:
        from sqlalchemy.engine import make_url

        url = make_url(database_url(CONF))
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot parse has no file to protect
        return []
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return []
    base = _expand(url.database)
    return [base + suffix for suffix in ("", "-wal", "-shm", "-journal")]


def protected_paths() -> list[str]:
    """Paths never read whatever ``[conductor] file_url_allowed_paths`` says (resolved)."""
    found = [_expand(p) for p in SYSTEM_PATHS] + [_expand(CONF.state_path)]
    found += _database_files()
    found.append(_expand(CONF.http_basic_auth_user_file))
    # Registered when the command line is parsed; a library caller may not have done that.
    for option in ("config_file", "config_dir"):
        paths = CONF[option] if option in CONF else None  # noqa: SIM401 - raises, not KeyError
        found += [_expand(p) for p in paths or []]
    return found


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _check_resolved(ref: str, path: str, real: str, what: str | None) -> None:
    resolved = f" (it resolves to {real})" if real != path else ""
    for blocked in protected_paths():
        if _under(real, blocked):
            raise _refuse(
                ref,
                what,
                f"{blocked} is never read{resolved}: system paths, the state directory, the "
                f"database, the htpasswd and configuration files are off limits whatever "
                f"{_OPTION} says",
            )
    allowed = [_expand(p) for p in CONF.conductor.file_url_allowed_paths or [] if p]
    if not any(_under(real, root) for root in allowed):
        where = ", ".join(allowed) if allowed else "nothing (local files are disabled)"
        raise _refuse(ref, what, f"not under {_OPTION}{resolved}, which allows {where}")


def check_local_path(ref: str, what: str | None = None) -> str:
    """The real path of the local file ``ref`` (a path or file:// URL) if the conductor may
    read it; LocalFileNotAllowed (400) naming ``what`` (e.g. ``driver_info/deploy_kernel``),
    the reason and the option otherwise. Used where a node is validated; the file need not
    exist yet."""
    path = _path_of(str(ref), what)
    real = os.path.realpath(path)
    _check_resolved(str(ref), path, real, what)
    return real


def open_local(ref: str, what: str | None = None) -> BinaryIO:
    """Open the local file ``ref`` for reading if the rule allows it (see check_local_path):
    a regular file, checked again through the descriptor actually opened."""
    real = check_local_path(ref, what)
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        raise _refuse(ref, what, f"cannot be read: {exc.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _refuse(ref, what, "not a regular file")
        # What the descriptor really is, in case a directory on the way was replaced by a
        # symbolic link after the check above.
        opened = os.path.realpath(f"/proc/self/fd/{fd}") if os.path.isdir("/proc/self/fd") else real
        if opened != real:
            _check_resolved(str(ref), real, opened, what)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_local(ref: str, what: str | None = None, limit: int | None = None) -> bytes:
    """The bytes of the local file ``ref`` (see open_local); refused when larger than
    ``limit`` bytes."""
    with open_local(ref, what) as f:
        data = f.read(limit + 1 if limit is not None else -1)
    if limit is not None and len(data) > limit:
        raise _refuse(ref, what, f"larger than {limit} bytes")
    return data
