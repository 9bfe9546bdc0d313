"""HTTP Basic authentication against an htpasswd file of bcrypt hashes.

bcrypt is slow on purpose (tens of milliseconds a check), so a verified user/password pair is
remembered for a short while; changing the file forgets everything remembered.
"""

import base64
import binascii
import hashlib
import os
import threading
import time
from collections.abc import Mapping

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


class Authenticator:
    def __init__(self, path: str | None = None):
        self.path = path or CONF.http_basic_auth_user_file
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._users: dict[str, bytes] = {}
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
                self._users = _parse_htpasswd(self.path)
                self._verified.clear()
                self._mtime = mtime

    def _check(self, user: str, password: str) -> bool:
        self._load()
        key = hashlib.sha256(f"{user}\0{password}".encode()).digest()
        now = time.monotonic()
        if self._verified.get(key, 0) > now:
            return True
        hashed = self._users.get(user)
        if hashed is None or not hashed.startswith((b"$2y$", b"$2b$", b"$2a$")):
            return False
        if not bcrypt.checkpw(password.encode(), hashed.replace(b"$2y$", b"$2b$", 1)):
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
