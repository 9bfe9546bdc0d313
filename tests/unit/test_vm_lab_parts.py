"""The VM lab's pure parts: the accelerator choice (override, cache per host boot), QEMU's
command line per firmware and boot device, dnsmasq's configuration and Ironic-format files,
and the ramdisk recipe's cache key."""

import json
import os
import pathlib

from ironic_lite.lab import accel, dnsmasq, qemu
from ironic_lite.ramdisk import build, debian


def test_the_override_wins_and_the_cache_holds_per_boot_and_probe_kind(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv(accel.ENV_OVERRIDE, "kvm")
    assert accel.choose().name == "kvm"
    assert accel.choose().qemu_args == ["-accel", "kvm"]  # no -cpu host (QEMU aborts on it)
    monkeypatch.delenv(accel.ENV_OVERRIDE)
    path = accel.cache_path()
    os.makedirs(os.path.dirname(path))
    cached = {"name": "tcg", "reason": "cached", "tcg_seconds": 1.0, "kvm_seconds": None}
    with open(path, "w") as f:
        json.dump({"boot_id": accel._boot_id(), "kernel": True, "accel": cached}, f)
    assert accel.choose(kernel="/boot/vmlinuz").reason == "cached"
    assert accel.choose(kernel="/boot/vmlinuz").qemu_args == ["-accel", "tcg", "-cpu", "max"]


def test_boot_order_firmware_and_media_on_the_qemu_line(tmp_path):
    spec = qemu.VmSpec("vm", str(tmp_path), ["52:54:00:00:00:01"], ["tap0"])
    uefi = " ".join(qemu.argv(spec, "uefi", "cd", ["-accel", "tcg"], media="/m/x.iso"))
    assert "ide-cd,drive=cd0,id=cdrom,bootindex=1" in uefi
    assert "virtio-net-pci,netdev=net0,mac=52:54:00:00:00:01,id=nic0,bootindex=2" in uefi
    assert "bootindex=3" in uefi and qemu.OVMF_CODE in uefi and "file=/m/x.iso" in uefi
    assert "ifname=tap0,script=no,downscript=no" in uefi
    bios = qemu.argv(spec, "bios", "pxe", ["-accel", "tcg"])
    assert "pflash" not in " ".join(bios)
    assert "name=etc/sercon-port" in " ".join(bios)
    with open(tmp_path / "sercon-port", "rb") as f:
        assert f.read() == b"\xf8\x03"


def test_dnsmasq_reads_ironic_provider_files(tmp_path):
    conf = dnsmasq.write_config(str(tmp_path), "br0", "192.0.2.1", "192.0.2.0/24", "/t")
    text = pathlib.Path(conf).read_text()
    layout = dnsmasq.layout(str(tmp_path))
    assert f"dhcp-hostsdir={layout['dhcp_hostsdir']}" in text
    assert f"dhcp-optsdir={layout['dhcp_optsdir']}" in text
    assert "dhcp-range=192.0.2.128,192.0.2.254,255.255.255.0,10m" in text
    assert "port=0" in text and "interface=br0" in text and "bind-interfaces" in text
    written = dnsmasq.write_boot_files(
        str(tmp_path), "node-1", ["52:54:00:AA:00:01"], [("tag:ipxe,67", "boot.ipxe")]
    )
    host = pathlib.Path(written["52:54:00:AA:00:01"]).read_text()
    assert host == "52:54:00:aa:00:01,set:node-1,set:ironic\n"
    assert pathlib.Path(written["options"]).read_text() == "tag:node-1,tag:ipxe,67,boot.ipxe\n"


def test_the_recipe_key_follows_its_inputs():
    lite = build.Recipe(agent="lite", mirror="http://mirror.example/debian")
    assert lite.key() == build.Recipe(agent="lite", mirror="http://mirror.example/debian").key()
    assert lite.key() != build.Recipe(agent="ipa", mirror="http://mirror.example/debian").key()
    other = build.Recipe(agent="lite", mirror="http://other.example/debian")
    assert lite.base_key() != other.base_key()
    more = build.Recipe(
        agent="lite", mirror="http://mirror.example/debian", modules=(*debian.MODULES, "igb")
    )
    assert more.base_key() != lite.base_key()


def test_the_host_mirror_comes_from_apt_sources():
    mirror = debian.host_mirror()
    assert mirror.startswith("http") and "security" not in mirror
