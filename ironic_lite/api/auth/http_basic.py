"""HTTP Basic authentication against an htpasswd file of bcrypt hashes.

bcrypt is slow on purpose (tens of milliseconds a check), so a verified user/password pair is
remembered for a short while; changing the file forgets everything remembered.

A refusal takes as long for a user the file does not have as for a wrong password of one it
has: an unknown user's password is checked against a dummy bcrypt hash of the cost the
file's hashes use (the most common one), so the time of a 401 does not tell which users exist.
``verify`` is the one bcrypt check every attempt goes through; a test or a benchmark can
give its own (e.g. one that counts calls).
"""

import base64
import binascii
import collections
import hashlib
import os
import re
import threading
import time
from collections.abc import Callable, Mapping

import bcrypt

from ironic_lite.common import exceptions
from ironic_lite.common.context import RequestContext, system_admin_context
from ironic_lite.conf import CONF

_REMEMBER_SECONDS = 300


class Unauthorized(exceptions.NotAuthorized):
    message = "Incorrect username or password"


def _parse_htpasswd(path: str) -> dict[str, bytes]:
    users = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or ":" not in line:
                continue
            user, _, hashed = line.partition(":")
            users[user] = hashed.encode()
    return users


_BCRYPT = re.compile(rb"^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$")
_DEFAULT_COST = 12  # bcrypt's own default, for a file without any bcrypt hash


def _bcrypt_hash(hashed: bytes) -> bytes | None:
    """The hash in the form the bcrypt module checks ($2y$ is $2b$), or None if it is not a
    bcrypt hash."""
    if not _BCRYPT.match(hashed):
        return None
    return hashed.replace(b"$2y$", b"$2b$", 1)


def dummy_hash(users: Mapping[str, bytes]) -> bytes:
    """A bcrypt hash of a random password with the cost most of ``users``' hashes have."""
    costs = collections.Counter(
        int(m.group(1)) for h in users.values() if (m := _BCRYPT.match(h)) is not None
    )
    cost = costs.most_common(1)[0][0] if costs else _DEFAULT_COST
    return bcrypt.hashpw(base64.b64encode(os.urandom(18)), bcrypt.gensalt(rounds=cost))


class Authenticator:
    def __init__(
        self,
        path: str | None = None,
        verify: Callable[[bytes, bytes], bool] = bcrypt.checkpw,
    ):
        self.path = path or CONF.http_basic_auth_user_file
        self.verify = verify
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._users: dict[str, bytes] = {}
        self._dummy = b""
        self._verified: dict[bytes, float] = {}
        self._load()

    def _load(self) -> None:
        try:
            mtime = os.stat(self.path).st_mtime
        except OSError as exc:
            raise exceptions.ServiceUnavailable(
                reason=f"htpasswd file {self.path} cannot be read: {exc.strerror}"
            ) from exc
        if mtime != self._mtime:
            with self._lock:
                users = _parse_htpasswd(self.path)
                self._dummy = dummy_hash(users)
                self._users = users
                self._verified.clear()
                self._mtime = mtime

    def _check(self, user: str, password: str) -> bool:
        self._load()
        key = hashlib.sha256(f"{user}\0{password}".encode()).digest()
        now = time.monotonic()
        if self._verified.get(key, 0) > now:
            return True
        hashed = _bcrypt_hash(self._users.get(user, b""))
        # Unknown user (or not a bcrypt hash): the same work against the dummy, then refuse.
        # bcrypt reads 72 bytes (Apache's htpasswd and bcrypt < 5 cut there silently; bcrypt 5
        # raises instead, which would answer a long password with a 500).
        matches = self.verify(password.encode()[:72], hashed or self._dummy)
        if hashed is None or not matches:
            return False
        with self._lock:
            self._verified[key] = now + _REMEMBER_SECONDS
        return True

    def __call__(self, headers: Mapping[str, str], request_id: str) -> RequestContext:
        auth = headers.get("Authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "basic" or not value:
            raise Unauthorized("Authorization required")
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Unauthorized("Invalid HTTP Basic authorization header") from exc
        if not self._check(user, password):
            raise Unauthorized()
        return system_admin_context(user, request_id=request_id)
