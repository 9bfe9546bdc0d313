"""Keeping secrets out of what leaves the process: log lines, tracebacks, error bodies.

Secrets (BMC passwords, agent tokens, config drives ...) are write-only through the API, so
they must never come back in a message either. Documents are masked key by key
(``is_secret_key``, the same rule as Ironic's so that the same keys are hidden); free text
such as an exception message that quotes a dict, a SQL statement's parameters or a
traceback is masked by ``mask_text``. Every log handler of a service carries
``MaskingFilter`` (``cmd/common.py``), and the API masks its error bodies, so no code path has
to remember to do it.
"""

import logging
import re

MASK = "******"

# A key is secret when its lower-cased name contains one of these (Ironic's list).
SECRET_WORDS = (
    "adminpass",
    "admin_pass",
    "password",
    "admin_password",
    "auth_token",
    "new_pass",
    "auth_password",
    "secret_uuid",
    "secret",
    "sys_pswd",
    "token",
    "configdrive",
    "chappassword",
    "encrypted_key",
    "private_key",
    "fernetkey",
    "sslkey",
    "passphrase",
    "cephclusterfsid",
    "octaviaheartbeatkey",
    "rabbitcookie",
    "cephmanilaclientkey",
    "pacemakerremoteauthkey",
    "designaterndckey",
    "cephadminkey",
    "heatauthencryptionkey",
    "cephclientkey",
    "keystonecredential",
    "barbicansimplecryptokek",
    "cephrgwkey",
    "swifthashsuffix",
    "migrationsshkey",
    "cephmdskey",
    "cephmonkey",
    "chapsecret",
)
_secret_cache: dict[str, bool] = {}


def is_secret_key(key: str) -> bool:
    """Whether a document key holds a secret."""
    hit = _secret_cache.get(key)
    if hit is None:
        lowered = key.lower()
        hit = any(word in lowered for word in SECRET_WORDS)
        if len(_secret_cache) < 10000:
            _secret_cache[key] = hit
    return hit


_WORDS = "|".join(sorted(SECRET_WORDS, key=len, reverse=True))
_KEY = rf"[\w.-]*(?:{_WORDS})[\w.-]*"
# 'ipmi_password': ...   "agent_token" = ...   \"redfish_password\": ...
_QUOTED_KEY = re.compile(rf"(\\*)(['\"])(?:{_KEY})\1\2\s*[:=]\s*", re.IGNORECASE)
# password=...  agent_token=...  (query strings, kernel command lines, key=value logs)
_BARE_KEY = re.compile(rf"(?<![\w'\"])((?:{_KEY})\s*=\s*)(?!['\"\s])[^\s&;,)\]}}]+", re.I)
# scheme://user:password@host
_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@", re.IGNORECASE)
# A JSON-Patch operation on a secret field: {'op': ..., 'path': '/driver_info/x_password'}
_SECRET_PATH = re.compile(rf"(['\"])path\1\s*:\s*(['\"])[^'\"]*(?:{_WORDS})", re.IGNORECASE)
_VALUE_KEY = re.compile(r"(\\*)(['\"])value\1\2\s*:\s*", re.IGNORECASE)
_CLOSERS = {"{": "}", "[": "]", "(": ")"}
_BARE_VALUE = re.compile(r"[^\s,}\])]*")


def _value_end(text: str, start: int, escapes: str) -> int:
    """Where the value that starts at ``start`` ends: a quoted string (its quotes preceded
    by ``escapes`` when it sits inside a JSON string), a bracketed structure, or a bare
    token."""
    for quote in (escapes + '"', escapes + "'"):
        if text.startswith(quote, start):
            i = start + len(quote)
            while i < len(text):
                if text.startswith(quote, i):
                    before = _backslashes_before(text, i + len(escapes))
                    if (before == len(escapes)) if escapes else (before % 2 == 0):
                        return i + len(quote)
                i += 1
            return len(text)
    if start < len(text) and text[start] in _CLOSERS:
        depth, quote = 0, None
        for i in range(start, len(text)):
            char = text[i]
            if quote:
                if char == quote and _backslashes_before(text, i) % 2 == 0:
                    quote = None
            elif char in "'\"":
                quote = char
            elif char in _CLOSERS:
                depth += 1
            elif char in _CLOSERS.values():
                depth -= 1
                if depth == 0:
                    return i + 1
        return len(text)
    return _BARE_VALUE.match(text, start).end()


def _backslashes_before(text: str, index: int) -> int:
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count


def _mask_values(text: str, keys: re.Pattern) -> str:
    out, pos = [], 0
    for match in keys.finditer(text):
        if match.start() < pos:
            continue  # inside a value already masked
        escapes = match.group(1)
        end = _value_end(text, match.end(), escapes)
        value = text[match.end() : end]
        quote = ""
        for candidate in (escapes + '"', escapes + "'"):
            if value.startswith(candidate) and value.endswith(candidate) and len(value) > 1:
                quote = candidate
        out += [text[pos : match.end()], f"{quote}{MASK}{quote}"]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def mask_text(text: str) -> str:
    """``text`` with the value of every secret key, URL password and secret patch value
    replaced by the mask; text without any secret key comes back unchanged."""
    if not text:
        return text
    masked = _mask_values(text, _QUOTED_KEY)
    if _SECRET_PATH.search(masked):
        masked = _mask_values(masked, _VALUE_KEY)
    masked = _BARE_KEY.sub(lambda m: m.group(1) + MASK, masked)
    return _USERINFO.sub(lambda m: m.group(1) + MASK + "@", masked)


class MaskingFilter(logging.Filter):
    """A handler filter that masks secrets in the message and the traceback of each record
    (the record is rewritten, so every later handler sees the masked text too)."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string is logged as it is
            message = str(record.msg)
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def mask(document):
    """A copy of ``document`` with every secret key's value replaced by the mask."""
    if isinstance(document, dict):
        if not document:
            return document
        return {k: (MASK if is_secret_key(k) else mask(v)) for k, v in document.items()}
    if isinstance(document, list):
        return [mask(v) for v in document]
    return document


def mask_driver_info(info: dict) -> dict:
    """driver_info as callers (and agents) may see it: every credential masked."""
    masked = mask(info)
    for key in ("snmp_auth_key", "snmp_priv_key"):
        if masked.get(key):
            masked[key] = MASK
    return masked


def mask_instance_info(info: dict) -> dict:
    """instance_info as callers may see it: the config drive and image URL masked too."""
    masked = mask(info)
    for key in ("configdrive", "image_url"):
        if masked.get(key):
            masked[key] = MASK
    return masked
