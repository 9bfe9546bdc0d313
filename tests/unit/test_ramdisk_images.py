"""Choosing the deploy/rescue kernel and ramdisk: node first, then per-arch, then default."""

import pytest

from ironic_lite.common import exceptions
from ironic_lite.conf import CONF
from ironic_lite.drivers.ramdisk_images import ramdisk_images

_OPTIONS = ("deploy_kernel", "deploy_ramdisk", "deploy_kernel_by_arch",
            "deploy_ramdisk_by_arch", "rescue_kernel", "rescue_ramdisk")  # fmt: skip


@pytest.fixture
def conf():
    if CONF._args is None:
        CONF([], project="ironic-lite", default_config_files=[])
    yield CONF
    for name in _OPTIONS:
        CONF.clear_override(name, "conductor")


def _set(**values):
    for name, value in values.items():
        CONF.set_override(name, value, "conductor")


def test_node_driver_info_wins(conf):
    _set(deploy_kernel="http://img/k-default", deploy_ramdisk="http://img/r-default")
    node = {
        "uuid": "n",
        "driver_info": {"deploy_kernel": "http://img/k-own", "deploy_ramdisk": "http://img/r-own"},
    }
    assert ramdisk_images(node)[:2] == ("http://img/k-own", "http://img/r-own")


def test_per_architecture_then_default(conf):
    _set(
        deploy_kernel="http://img/k-default",
        deploy_ramdisk="http://img/r-default",
        deploy_kernel_by_arch={"aarch64": "http://img/k-arm"},
        deploy_ramdisk_by_arch={"aarch64": "http://img/r-arm"},
    )
    arm = {"uuid": "a", "properties": {"cpu_arch": "aarch64"}, "driver_info": {}}
    x86 = {"uuid": "x", "properties": {"cpu_arch": "x86_64"}, "driver_info": {}}
    assert ramdisk_images(arm)[:2] == ("http://img/k-arm", "http://img/r-arm")
    assert ramdisk_images(x86)[:2] == ("http://img/k-default", "http://img/r-default")
    # a node may set one part and take the other from the configuration
    mixed = dict(arm, driver_info={"deploy_kernel": "http://img/k-own"})
    assert ramdisk_images(mixed)[:2] == ("http://img/k-own", "http://img/r-arm")


def test_rescue_images_are_separate(conf):
    _set(
        deploy_kernel="http://img/k",
        deploy_ramdisk="http://img/r",
        rescue_kernel="http://img/rk",
        rescue_ramdisk="http://img/rr",
    )
    assert ramdisk_images({"uuid": "n"}, "rescue")[:2] == ("http://img/rk", "http://img/rr")


def test_nothing_configured_names_what_is_missing(conf):
    _set(deploy_kernel="http://img/k")
    node = {"uuid": "n1", "properties": {"cpu_arch": "ppc64le"}}
    with pytest.raises(exceptions.MissingParameterValue) as info:
        ramdisk_images(node)
    message = str(info.value)
    assert (
        "driver_info/deploy_ramdisk" in message
        and "deploy_kernel" not in message.split(" and ")[0].split("has no ")[1]
    )
    assert "ppc64le" in message
