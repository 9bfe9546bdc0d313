"""The rescue password's crypt(3) hash: known vectors of the SHA-crypt specification, and
the shape of what the conductor sends the agent."""

import warnings

import pytest
from passlib.hash import sha256_crypt, sha512_crypt

from ironic_lite.common import rescue_password
from tests.lab.harness import ensure_config

# From "Unix crypt using SHA-256 and SHA-512" (Drepper), the reference's test vectors.
VECTORS = [
    (sha512_crypt, "Hello world!", "saltstring",
     "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"),  # noqa: E501
    (sha256_crypt, "Hello world!", "saltstring",
     "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"),
]  # fmt: skip


@pytest.mark.parametrize(("scheme", "password", "salt", "expected"), VECTORS)
def test_the_hash_matches_the_reference_vectors(scheme, password, salt, expected):
    assert scheme.using(salt=salt, rounds=5000).hash(password) == expected
    assert rescue_password.verify(password, expected)
    assert not rescue_password.verify("Hello world", expected)


@pytest.mark.parametrize(("algorithm", "prefix"), [("sha256", "$5$"), ("sha512", "$6$")])
def test_a_fresh_salt_and_crypts_default_rounds(algorithm, prefix):
    ensure_config()
    one = rescue_password.hash_password("s3cret", algorithm)
    two = rescue_password.hash_password("s3cret", algorithm)
    assert one.startswith(prefix) and "rounds=" not in one
    assert one != two, "each hash has its own salt"
    assert rescue_password.verify("s3cret", one) and rescue_password.verify("s3cret", two)


def test_the_configured_algorithm_is_the_default():
    ensure_config()
    assert rescue_password.hash_password("x").startswith("$5$")


def test_the_system_crypt_agrees_where_it_exists():
    """glibc's crypt(3), which a ramdisk's chpasswd -e uses, reads our hashes the same way."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        crypt = pytest.importorskip("crypt")
    ensure_config()
    for algorithm in ("sha256", "sha512"):
        hashed = rescue_password.hash_password("pässword 1", algorithm)
        assert crypt.crypt("pässword 1", hashed) == hashed
