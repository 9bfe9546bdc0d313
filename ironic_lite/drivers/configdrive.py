"""Config drives: the ``config-2`` ISO an instance's cloud-init or glean reads at first boot.

A deploy is given a config drive (``instance_info/configdrive``, set from the provision
request) in one of Ironic's three forms:

- a URL: handed to the agent unchanged. The agent downloads it; the content is gzipped and
  base64-encoded (Bifrost's ``gzip -c drive.iso | base64``, line breaks and all), or a plain
  ISO;
- a string: a gzipped, base64-encoded ISO, handed to the agent unchanged;
- a document (API 1.56) with ``meta_data``, ``network_data``, ``user_data`` and (1.59)
  ``vendor_data``: built here into an ISO as Ironic builds it (openstacksdk's layout:
  ``openstack/2012-08-10/`` and ``openstack/latest/`` each holding ``meta_data.json``,
  ``network_data.json``, ``vendor_data2.json`` and ``user_data`` when given; ``meta_data``
  gets the node's ``uuid`` and ``name`` unless it has them), then gzipped and base64-encoded,
  the form both ironic-python-agent and ironic-lite's agent take.

A local path or ``file://`` URL is read by the conductor only under ``[conductor]
file_url_allowed_paths`` (``local_file``), then gzipped and base64-encoded.
"""

import base64
import gzip
import io
import json

import pycdlib

from ironic_lite.common import exceptions, local_files

LABEL = "config-2"
# The metadata versions Ironic (through openstacksdk) writes.
VERSIONS = ("2012-08-10", "latest")
KEYS = ("meta_data", "network_data", "user_data", "vendor_data")


def iso(files: dict[str, bytes]) -> bytes:
    """An ISO 9660 image labelled ``config-2`` holding ``files`` (path -> bytes).

    Paths are relative, e.g. ``openstack/latest/meta_data.json``. Names are kept exact in
    the Rock Ridge and Joliet trees, which is what Linux mounts; the plain ISO 9660 names are
    upper-cased with ``-`` and ``.`` in directory names turned into ``_``.
    """
    image = pycdlib.PyCdlib()
    image.new(interchange_level=3, joliet=3, rock_ridge="1.09", vol_ident=LABEL)
    made: set[str] = set()
    for path in sorted(files):
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts)):
            directory = parts[:depth]
            key = "/".join(directory)
            if key not in made:
                image.add_directory(
                    _iso_dir(directory), rr_name=directory[-1], joliet_path="/" + key
                )
                made.add(key)
        data = files[path]
        image.add_fp(
            io.BytesIO(data),
            len(data),
            _iso_dir(parts[:-1]) + "/" + _iso_file(parts[-1]),
            rr_name=parts[-1],
            joliet_path="/" + "/".join(parts),
        )
    out = io.BytesIO()
    image.write_fp(out)
    image.close()
    return out.getvalue()


def _iso_name(name: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name.upper())


def _iso_dir(parts: list[str]) -> str:
    return "".join("/" + _iso_name(p) for p in parts)


def _iso_file(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    return f"{_iso_name(stem)}.{_iso_name(ext)};1"


def files_for(node: dict, document: dict) -> dict[str, bytes]:
    """The files of the config drive Ironic builds from ``document`` for ``node``."""
    meta_data = dict(document.get("meta_data") or {})
    meta_data.setdefault("uuid", node["uuid"])
    if node.get("name"):
        meta_data.setdefault("name", node["name"])
    contents = {"meta_data.json": json.dumps(meta_data).encode()}
    if document.get("network_data"):
        contents["network_data.json"] = json.dumps(document["network_data"]).encode()
    if document.get("vendor_data"):
        contents["vendor_data2.json"] = json.dumps(document["vendor_data"]).encode()
    user_data = document.get("user_data")
    if isinstance(user_data, dict | list):
        contents["user_data"] = json.dumps(user_data).encode()
    elif user_data:
        contents["user_data"] = str(user_data).encode()
    return {
        f"openstack/{version}/{name}": data
        for version in VERSIONS
        for name, data in contents.items()
    }


def build(node: dict, document: dict) -> str:
    """The gzipped, base64-encoded ISO built from a config drive document."""
    if not isinstance(document, dict) or set(document) - set(KEYS):
        raise exceptions.InvalidParameterValue(
            err=f"Node {node['uuid']}: a config drive document takes only {', '.join(KEYS)}"
        )
    for key in ("meta_data", "network_data", "vendor_data"):
        if document.get(key) is not None and not isinstance(document[key], dict):
            raise exceptions.InvalidParameterValue(
                err=f"Node {node['uuid']}: configdrive/{key} must be an object"
            )
    return base64.b64encode(gzip.compress(iso(files_for(node, document)), mtime=0)).decode()


def is_local_file(value: str) -> bool:
    return value.startswith(("file:", "/"))


def local_file(node: dict, value: str) -> str:
    """A config drive given as a local path or file:// URL, read from the conductor only
    under ``[conductor] file_url_allowed_paths`` (anything else is a 400, so an API caller
    cannot have the conductor publish a file it may read), gzipped and base64-encoded."""
    data = local_files.read_local(
        value, f"Node {node['uuid']}: instance_info/configdrive", limit=64 * 1024 * 1024
    )
    return base64.b64encode(data if data[:2] == b"\x1f\x8b" else gzip.compress(data)).decode()


def for_agent(node: dict) -> str | None:
    """The node's config drive in the form the agent's ``write_image`` takes (module
    docstring): None, an http(s) URL, or a gzipped and base64-encoded ISO."""
    drive = (node.get("instance_info") or {}).get("configdrive")
    if drive is None or drive == "":
        return None
    if isinstance(drive, dict):
        return build(node, drive)
    if not isinstance(drive, str):
        raise exceptions.InvalidParameterValue(
            err=f"Node {node['uuid']}: instance_info/configdrive must be a string, a URL or "
            f"a document, not {type(drive).__name__}"
        )
    if is_local_file(drive):
        return local_file(node, drive)
    return drive
