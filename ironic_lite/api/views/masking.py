"""Hiding secrets in documents shown to callers: they are write-only through the API."""

MASK = "******"

# A key is secret when its lower-cased name contains one of these (the same rule as Ironic's,
# so the same keys are hidden whichever service an operator runs).
_SECRET_WORDS = (
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
    hit = _secret_cache.get(key)
    if hit is None:
        lowered = key.lower()
        hit = any(word in lowered for word in _SECRET_WORDS)
        if len(_secret_cache) < 10000:
            _secret_cache[key] = hit
    return hit


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
    masked = mask(info)
    for key in ("snmp_auth_key", "snmp_priv_key"):
        if masked.get(key):
            masked[key] = MASK
    return masked


def mask_instance_info(info: dict) -> dict:
    masked = mask(info)
    for key in ("configdrive", "image_url"):
        if masked.get(key):
            masked[key] = MASK
    return masked
