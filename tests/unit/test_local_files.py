"""The rule for local files the conductor reads: allowed paths, the hard block, symlinks and
``..`` resolved first, the file actually opened checked again.

The entry points (kernels, ramdisks, ISOs, config drives, firmware) are tested through the
REST API in tests/integration/test_local_files.py; this file pins the rule's edges.
"""

import os
import subprocess
import sys

import pytest

from ironic_lite.common import exceptions, local_files
from ironic_lite.conf import CONF
from ironic_lite.conf.conductor import ExplicitAbsolutePath
from tests.lab.harness import ensure_config

OPTION = "[conductor] file_url_allowed_paths"


@pytest.fixture
def tree(tmp_path):
    """``allowed/`` holds an image and is the allowed path; the state directory, the SQLite
    database and the htpasswd file sit inside it too, so only the hard block protects them."""
    ensure_config()
    allowed = tmp_path / "allowed"
    (allowed / "images").mkdir(parents=True)
    (allowed / "images" / "ipa.kernel").write_bytes(b"kernel")
    state = allowed / "state"
    state.mkdir()
    (state / "ironic-lite.sqlite").write_bytes(b"SQLite format 3\0 every BMC password")
    (allowed / "htpasswd").write_text("admin:$2b$...\n")
    db = allowed / "elsewhere.sqlite"
    db.write_bytes(b"SQLite format 3\0")
    overrides = [
        ("file_url_allowed_paths", [str(allowed)], "conductor"),
        ("state_path", str(state), None),
        ("http_basic_auth_user_file", str(allowed / "htpasswd"), None),
        ("connection", f"sqlite:///{db}", "database"),
    ]
    for name, value, group in overrides:
        CONF.set_override(name, value, group)
    yield allowed
    for name, _value, group in overrides:
        CONF.clear_override(name, group)


def _refused(ref: str, what: str | None = "driver_info/deploy_kernel") -> str:
    with pytest.raises(exceptions.LocalFileNotAllowed) as info:
        local_files.check_local_path(ref, what)
    assert info.value.code == 400
    return str(info.value)


def test_a_file_under_an_allowed_path_is_read(tree):
    kernel = tree / "images" / "ipa.kernel"
    for ref in (str(kernel), f"file://{kernel}", f"file://localhost{kernel}"):
        assert local_files.check_local_path(ref) == str(kernel)
        with local_files.open_local(ref) as f:
            assert f.read() == b"kernel"
    quoted = f"file://{tree}/images/ipa%2Ekernel"
    assert local_files.read_local(quoted) == b"kernel"


@pytest.mark.parametrize("ref", ["/etc/passwd", "file:///proc/self/environ", "/sys/kernel/x"])
def test_system_paths_are_refused_even_when_allowed(tree, ref):
    CONF.set_override("file_url_allowed_paths", ["/"], "conductor")
    message = _refused(ref)
    assert ref in message and "driver_info/deploy_kernel" in message
    assert "never read" in message and OPTION in message


def test_the_state_directory_database_htpasswd_and_config_are_refused(tree):
    for path in (
        tree / "state" / "ironic-lite.sqlite",
        tree / "elsewhere.sqlite",
        tree / "htpasswd",
    ):
        assert "never read" in _refused(str(path))
    assert "never read" in _refused(f"{tree}/elsewhere.sqlite-wal")


def test_symlinks_and_dot_dot_are_resolved_before_the_check(tree):
    link = tree / "images" / "innocent.kernel"
    link.symlink_to("/etc/passwd")
    message = _refused(str(link))
    assert "resolves to /etc/passwd" in message
    (tree / "images" / "to-db").symlink_to(tree / "state" / "ironic-lite.sqlite")
    assert "never read" in _refused(f"file://{tree}/images/to-db")
    assert "never read" in _refused(f"{tree}/images/" + "../" * 30 + "etc/passwd")
    assert "never read" in _refused(f"file://{tree}/images/%2e%2e/state/ironic-lite.sqlite")


def test_outside_the_allowed_paths_names_the_option(tree, tmp_path):
    outside = tmp_path / "outside.kernel"
    outside.write_bytes(b"x")
    message = _refused(str(outside))
    assert f"not under {OPTION}" in message and str(tree) in message
    CONF.set_override("file_url_allowed_paths", [], "conductor")
    assert "local files are disabled" in _refused(str(tree / "images" / "ipa.kernel"))


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        ("ipa.kernel", "not an absolute path"),
        ("file://otherhost/srv/ipa.kernel", "must name this host"),
        ("/srv/ipa\0.kernel", "NUL"),
    ],
)
def test_malformed_references_are_refused(tree, ref, words):
    assert words in _refused(ref)


def test_only_regular_files_are_opened(tree):
    with pytest.raises(exceptions.LocalFileNotAllowed, match="not a regular file"):
        local_files.open_local(str(tree / "images"))
    with pytest.raises(exceptions.LocalFileNotAllowed, match="cannot be read"):
        local_files.open_local(str(tree / "images" / "missing.kernel"))
    with pytest.raises(exceptions.LocalFileNotAllowed, match="larger than 3 bytes"):
        local_files.read_local(str(tree / "images" / "ipa.kernel"), limit=3)


def test_what_was_allowed_at_validation_is_checked_again_when_read(tree):
    """A directory replaced by a link to /etc after a node was validated: the read refuses."""
    images = tree / "images"
    assert local_files.check_local_path(str(images / "ipa.kernel")) == str(images / "ipa.kernel")
    os.rename(images, tree / "images.old")
    os.symlink("/etc", images)
    with pytest.raises(exceptions.LocalFileNotAllowed, match="resolves to /etc/passwd"):
        local_files.open_local(str(images / "passwd"))


def test_allowed_paths_must_be_explicit_absolute_paths():
    check = ExplicitAbsolutePath()
    assert check("/var/lib/ironic/") == "/var/lib/ironic"
    for bad in ("var/lib/ironic", "/var/lib/../../etc", "/var//lib", "/var/./lib"):
        with pytest.raises(ValueError, match="absolute path"):
            check(bad)


def test_a_malformed_allowed_path_stops_the_service_at_start(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text(
        f"[DEFAULT]\nstate_path = {tmp_path}/state\n"
        "[conductor]\nfile_url_allowed_paths = /srv/images,/srv/../etc\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "ironic_lite.cmd.aio", "--config-file", str(conf)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "file_url_allowed_paths" in done.stderr and "/srv/../etc" in done.stderr
