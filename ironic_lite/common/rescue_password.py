"""The rescue password as the agent receives it: hashed with crypt(3)'s SHA-256 or SHA-512
scheme (``$5$`` / ``$6$``), the form ``/etc/shadow`` takes, so the plain password never
reaches the ramdisk (Ironic sends ``rescue.finalize_rescue`` with ``hashed: true``).

The hash is libpass's (the maintained fork of passlib), with a fresh 16-character salt and
crypt's default 5000 rounds, as Ironic's ``crypt.mksalt`` gives: the string is what a
ramdisk's ``chpasswd -e`` or ``usermod -p`` expects.
"""

from passlib.hash import sha256_crypt, sha512_crypt

from ironic_lite.conf import CONF

_SCHEMES = {"sha256": sha256_crypt, "sha512": sha512_crypt}


def hash_password(password: str, algorithm: str | None = None) -> str:
    """``password`` hashed with ``algorithm`` (default ``[conductor]
    rescue_password_hash_algorithm``)."""
    scheme = _SCHEMES[algorithm or CONF.conductor.rescue_password_hash_algorithm]
    return scheme.using(rounds=5000).hash(password)


def verify(password: str, hashed: str) -> bool:
    """Whether ``hashed`` (a ``$5$``/``$6$`` crypt string) is the hash of ``password``."""
    for scheme in _SCHEMES.values():
        if scheme.identify(hashed):
            return scheme.verify(password, hashed)
    return False
