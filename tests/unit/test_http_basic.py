"""http_basic does the same bcrypt work for a user it does not know as for one it knows.

No timing here: the authenticator's ``verify`` seam (every password check goes through it) is
given a recorder around the real bcrypt check, and the tests look at what was checked.
``benchmarks/http_basic.py`` measures the times themselves.
"""

import base64

import bcrypt
import pytest

from ironic_lite.api.auth.http_basic import Authenticator, Unauthorized, dummy_hash
from tests.lab.harness import ensure_config


class Recorder:
    """Real bcrypt checks, remembered."""

    def __init__(self):
        self.checked: list[bytes] = []

    def __call__(self, password: bytes, hashed: bytes) -> bool:
        self.checked.append(hashed)
        return bcrypt.checkpw(password, hashed)


def _header(user: str, password: str) -> dict:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def htpasswd(tmp_path):
    ensure_config()
    path = tmp_path / "htpasswd"
    admin = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(rounds=5)).decode().replace("$2b$", "$2y$")
    other = bcrypt.hashpw(b"other", bcrypt.gensalt(rounds=5)).decode()
    legacy = bcrypt.hashpw(b"x", bcrypt.gensalt(rounds=4)).decode()
    path.write_text(f"admin:{admin}\nother:{other}\nlegacy:{legacy}\nplain:{{SHA}}abc=\n")
    return path


def _refused(auth, user, password) -> str:
    with pytest.raises(Unauthorized) as info:
        auth(_header(user, password), "req-1")
    return str(info.value)


def test_an_unknown_user_costs_one_check_against_a_dummy_of_the_files_cost(htpasswd):
    recorder = Recorder()
    auth = Authenticator(str(htpasswd), verify=recorder)
    assert _refused(auth, "ghost", "s3cret") == _refused(auth, "admin", "wrong")
    dummy, admin = recorder.checked
    assert dummy != admin and dummy[:7] == admin[:7].replace(b"$2y$", b"$2b$") == b"$2b$05$"
    # A user whose entry is not bcrypt is treated like an unknown one: same work, refused.
    assert _refused(auth, "plain", "anything") == "Incorrect username or password"
    assert recorder.checked[-1] == dummy


def test_every_refusal_does_exactly_one_check(htpasswd):
    recorder = Recorder()
    auth = Authenticator(str(htpasswd), verify=recorder)
    for user, password in (("ghost", "a"), ("admin", "b"), ("other", "c"), ("", "")):
        _refused(auth, user, password)
    assert len(recorder.checked) == 4
    assert auth(_header("admin", "s3cret"), "req-2").user == "admin"
    assert auth(_header("admin", "s3cret"), "req-3").user == "admin"  # remembered
    assert len(recorder.checked) == 5


def test_the_dummy_takes_the_most_common_cost():
    users = {
        "a": bcrypt.hashpw(b"a", bcrypt.gensalt(rounds=4)),
        "b": bcrypt.hashpw(b"b", bcrypt.gensalt(rounds=5)),
        "c": bcrypt.hashpw(b"c", bcrypt.gensalt(rounds=5)),
    }
    assert dummy_hash(users).startswith(b"$2b$05$")


def test_a_password_longer_than_bcrypt_reads_is_refused_not_a_crash(htpasswd):
    auth = Authenticator(str(htpasswd))
    assert _refused(auth, "admin", "s3cret" + "x" * 100) == "Incorrect username or password"
    assert _refused(auth, "ghost", "y" * 200) == "Incorrect username or password"
