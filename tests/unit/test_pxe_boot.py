"""PXE and iPXE boot files: written per node and per MAC, removed on clean-up."""

import os

import pytest

from ironic_lite.common import exceptions
from ironic_lite.conf import CONF
from ironic_lite.drivers.boot.pxe import IPXEBoot, PXEBoot
from tests.lab.harness import ensure_config, node_task

MACS = ("52:54:00:AA:00:01", "52:54:00:aa:00:02")


@pytest.fixture
def roots(tmp_path):
    ensure_config()
    kernel, ramdisk = tmp_path / "ipa.kernel", tmp_path / "ipa.initramfs"
    kernel.write_bytes(b"kernel-bytes")
    ramdisk.write_bytes(b"ramdisk-bytes")
    overrides = [
        ("tftp_root", str(tmp_path / "tftp"), "pxe"),
        ("http_root", str(tmp_path / "http"), "deploy"),
        ("http_url", "http://192.0.2.1:8080", "deploy"),
        ("api_url", "http://192.0.2.1:6385", "deploy"),
        ("deploy_kernel", str(kernel), "conductor"),
        ("deploy_ramdisk", f"file://{ramdisk}", "conductor"),
        ("file_url_allowed_paths", [str(tmp_path)], "conductor"),
    ]
    for name, value, group in overrides:
        CONF.set_override(name, value, group)
    yield tmp_path
    for name, _value, group in overrides:
        CONF.clear_override(name, group)


def _tree(root) -> set[str]:
    found = set()
    for directory, dirs, files in os.walk(root):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(directory, d))]:
            found.add(os.path.relpath(os.path.join(directory, name), root))
    return found


def test_pxe_writes_config_images_and_mac_links_then_removes_them(roots):
    tftp = roots / "tftp"
    with node_task(macs=MACS) as task:
        uuid = task.node["uuid"]
        PXEBoot().prepare_ramdisk(task, {"ipa-debug": 1})
        config = (tftp / uuid / "config").read_text()
        assert f"kernel {uuid}/deploy_kernel" in config
        assert f"initrd={uuid}/deploy_ramdisk" in config
        assert "ipa-api-url=http://192.0.2.1:6385" in config and "ipa-debug=1" in config
        assert (tftp / uuid / "deploy_kernel").read_bytes() == b"kernel-bytes"
        assert (tftp / uuid / "deploy_ramdisk").read_bytes() == b"ramdisk-bytes"
        for mac in ("52-54-00-aa-00-01", "52-54-00-aa-00-02"):
            link = tftp / "pxelinux.cfg" / f"01-{mac}"
            assert link.is_symlink() and link.read_text() == config
        assert task.node["driver_internal_info"]["fake_boot_device"] == {
            "boot_device": "pxe",
            "persistent": False,
        }
        PXEBoot().prepare_instance(task)
        assert task.node["driver_internal_info"]["fake_boot_device"] == {
            "boot_device": "disk",
            "persistent": True,
        }
    # only the shared image cache is left
    assert {p.split("/")[0] for p in _tree(tftp)} == {"master_images"}


def test_pxe_uefi_nodes_get_grub_configs(roots):
    with node_task(macs=MACS[:1], boot_mode="uefi") as task:
        PXEBoot().prepare_ramdisk(task, {})
        link = roots / "tftp" / "grub.cfg-01-52-54-00-aa-00-01"
        assert "menuentry" in link.read_text() and "linux " in link.read_text()
        PXEBoot().clean_up_ramdisk(task)
        assert not link.exists()


def test_two_nodes_share_one_cached_copy_of_the_ramdisk(roots):
    paths = []
    for mac in MACS:
        with node_task(macs=(mac,)) as task:
            PXEBoot().prepare_ramdisk(task, {})
            paths.append(roots / "tftp" / task.node["uuid"] / "deploy_ramdisk")
            assert paths[-1].stat().st_nlink >= 2  # hard link to the cached copy
    cached = [n for n in os.listdir(roots / "tftp" / "master_images") if not n.startswith(".")]
    assert len(cached) == 2  # kernel + ramdisk


def test_ipxe_serves_urls_directly_and_copies_local_files(roots):
    http = roots / "http"
    CONF.set_override("deploy_kernel", "https://images.example/ipa.kernel", "conductor")
    with node_task(macs=MACS) as task:
        uuid = task.node["uuid"]
        IPXEBoot().prepare_ramdisk(task, {})
        script = (http / uuid / "config").read_text()
        assert script.startswith("#!ipxe")
        assert "kernel --timeout 60000 https://images.example/ipa.kernel" in script
        assert f"http://192.0.2.1:8080/{uuid}/deploy_ramdisk" in script
        # The ramdisk learns the NIC it booted from, as Ironic's iPXE scripts tell it.
        assert "BOOTIF=${mac} " in script
        assert (http / uuid / "deploy_ramdisk").read_bytes() == b"ramdisk-bytes"
        assert (http / "pxelinux.cfg" / "52-54-00-aa-00-01").read_text() == script
        assert "chain pxelinux.cfg/${mac:hexhyp}" in (http / "boot.ipxe").read_text()
        IPXEBoot().clean_up_instance(task)
        assert not (http / uuid).exists()
        assert not (http / "pxelinux.cfg" / "52-54-00-aa-00-01").exists()


def _refusal(boot, macs=MACS[:1]) -> str:
    refused = pytest.raises(exceptions.MissingParameterValue)
    with node_task(macs=macs) as task, refused as info:
        boot.validate(task)
    return str(info.value)


def test_validation_names_what_is_missing(roots):
    assert "no ports" in _refusal(PXEBoot(), macs=())
    CONF.clear_override("deploy_kernel", "conductor")
    assert "deploy_kernel" in _refusal(PXEBoot())
    CONF.set_override("http_url", None, "deploy")
    CONF.set_override("deploy_kernel", "http://x/k", "conductor")
    assert "http_url" in _refusal(IPXEBoot())


def test_an_unreachable_image_is_a_clear_error(roots):
    CONF.set_override("deploy_kernel", str(roots / "missing.kernel"), "conductor")
    refused = pytest.raises(exceptions.InvalidParameterValue)
    with node_task(macs=MACS[:1]) as task, refused as info:
        PXEBoot().prepare_ramdisk(task, {})
    assert "missing.kernel" in str(info.value)
    assert not [p for p in _tree(roots / "tftp") if ".part-" in p]


def test_pxe_prepares_both_loaders_for_a_node_of_unknown_boot_mode(roots):
    with node_task(macs=MACS[:1]) as task:
        uuid = task.node["uuid"]
        PXEBoot().prepare_ramdisk(task, {})
        tftp = roots / "tftp"
        assert (tftp / "pxelinux.cfg" / "01-52-54-00-aa-00-01").read_text().startswith("default")
        assert "menuentry" in (tftp / "grub.cfg-01-52-54-00-aa-00-01").read_text()
        assert {p.name for p in (tftp / uuid).iterdir()} >= {"config", "grub.cfg"}
        PXEBoot().clean_up_ramdisk(task)
        assert not (tftp / "grub.cfg-01-52-54-00-aa-00-01").exists()


def test_the_ramdisk_deploy_boots_its_instance_from_the_network_every_time(roots):
    kernel = roots / "ipa.kernel"
    info = {"kernel": str(kernel), "ramdisk": str(kernel), "ramdisk_kernel_arguments": "x=1"}
    with node_task(macs=MACS[:1], deploy_interface="ramdisk", instance_info=info) as task:
        uuid = task.node["uuid"]
        IPXEBoot().prepare_instance(task)
        script = (roots / "http" / uuid / "config").read_text()
        assert f"/{uuid}/instance_kernel root=/dev/ram0 text x=1 " in script
        assert "ipa-api-url" not in script
        assert task.node["driver_internal_info"]["fake_boot_device"] == {
            "boot_device": "pxe",
            "persistent": True,
        }
        task.save(instance_info={"boot_iso": "http://images.example/appliance.iso"})
        IPXEBoot().prepare_instance(task)
        assert (roots / "http" / uuid / "config").read_text() == (
            "#!ipxe\nsanboot --no-describe http://images.example/appliance.iso\n"
        )
        with pytest.raises(exceptions.InvalidParameterValue, match="cannot boot"):
            PXEBoot().prepare_instance(task)
        IPXEBoot().clean_up_instance(task)
        assert not (roots / "http" / uuid).exists()
