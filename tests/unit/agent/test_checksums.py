import hashlib

import pytest

from ironic_lite_agent import checksums, errors

DATA = b"ironic-lite image bytes"


def test_glance_hash_fields_win():
    info = {
        "os_hash_algo": "SHA512",
        "os_hash_value": hashlib.sha512(DATA).hexdigest().upper(),
        "checksum": hashlib.md5(DATA).hexdigest(),
    }
    expected = checksums.expected_checksum(info)
    assert expected.algo == "sha512"
    assert expected.matches(hashlib.sha512(DATA).hexdigest())
    assert not expected.matches(hashlib.sha512(b"other").hexdigest())


@pytest.mark.parametrize("algo", ["sha256", "sha384", "sha512"])
def test_prefixed_and_bare_checksums(algo):
    digest = hashlib.new(algo, DATA).hexdigest()
    assert checksums.expected_checksum({"checksum": f"{algo}:{digest}"}).algo == algo
    assert checksums.expected_checksum({"checksum": digest}).algo == algo


def test_md5_is_refused_by_default_and_allowed_explicitly():
    md5 = hashlib.md5(DATA).hexdigest()
    with pytest.raises(errors.InsecureChecksum, match="md5 is refused"):
        checksums.expected_checksum({"id": "img", "checksum": md5})
    with pytest.raises(errors.InsecureChecksum):
        checksums.expected_checksum({"os_hash_algo": "md5", "os_hash_value": md5})
    assert checksums.expected_checksum({"checksum": md5}, allow_md5=True).algo == "md5"
    assert checksums.expected_checksum({"checksum": md5, "allow_md5": True}).algo == "md5"


@pytest.mark.parametrize(
    ("info", "text"),
    [
        ({}, "no checksum"),
        ({"checksum": "abc"}, "cannot tell the algorithm"),
        ({"checksum": "sha256:" + "z" * 64}, "not hexadecimal"),
        ({"checksum": "sha256:" + "a" * 10}, "64 hex digits"),
        ({"checksum": "crc32:" + "a" * 8}, "unsupported checksum algorithm"),
    ],
)
def test_malformed_checksums_are_invalid(info, text):
    with pytest.raises(errors.InvalidImage, match=text):
        checksums.expected_checksum(info)


def test_file_digest(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(DATA * 100000)
    assert checksums.file_digest(str(path), "sha256") == hashlib.sha256(DATA * 100000).hexdigest()


SHA = hashlib.sha256(DATA).hexdigest()


@pytest.mark.parametrize(
    "text",
    [
        f"{'0' * 64}  other.img\n{SHA}  disk.qcow2\n",  # coreutils sha256sum
        f"{'0' * 64} *other.img\n{SHA} *disk.qcow2\n",  # binary mode
        f"# disk.qcow2: 123 bytes\nSHA256 (other.img) = {'0' * 64}\nSHA256 (disk.qcow2) = {SHA}\n",
        f"other.img {'0' * 64}\ndisk.qcow2 {SHA}\n",
        f"{SHA}\n",  # a file holding only the checksum
    ],
)
def test_checksum_files_give_the_images_line(text):
    fetched = []

    def fetch(url):
        fetched.append(url)
        return text

    info = {"id": "img", "urls": ["http://x/images/disk.qcow2"], "checksum": "http://x/SUMS"}
    expected = checksums.expected_checksum(info, fetch=fetch)
    assert (expected.algo, expected.value, fetched) == ("sha256", SHA, ["http://x/SUMS"])
    info = {**info, "checksum": None, "os_hash_algo": "sha256", "os_hash_value": "http://x/SUMS"}
    assert checksums.expected_checksum(info, fetch=fetch).value == SHA


def test_a_checksum_file_without_the_image_is_refused():
    info = {"id": "img", "urls": ["http://x/disk.raw"], "checksum": "http://x/SUMS"}
    with pytest.raises(errors.InvalidImage, match="no checksum for 'disk.raw'"):
        checksums.expected_checksum(info, fetch=lambda url: f"{SHA}  disk.raw.old\n")
    with pytest.raises(errors.InvalidImage, match="cannot be fetched"):
        checksums.expected_checksum(info)
