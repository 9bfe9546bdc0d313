"""The ``ipa-api-url`` a ramdisk is given, for IPv6 and wildcard listen addresses."""

import pytest

from ironic_lite.conf import CONF
from ironic_lite.drivers import ramdisk_api


@pytest.fixture
def conf():
    yield CONF
    CONF.clear_override("host_ip", group="api")
    CONF.clear_override("public_endpoint", group="api")
    CONF.clear_override("api_url", group="deploy")


def test_ipv6_address_is_bracketed(conf):
    conf.set_override("host_ip", "2001:db8::5", group="api")
    assert ramdisk_api.api_url() == f"http://[2001:db8::5]:{CONF.api.port}"


def test_public_endpoint_wins_over_the_listen_address(conf):
    conf.set_override("host_ip", "0.0.0.0", group="api")
    conf.set_override("public_endpoint", "https://bm.example.org:6385/", group="api")
    assert ramdisk_api.api_url() == "https://bm.example.org:6385"


@pytest.mark.parametrize("wildcard", ["0.0.0.0", "::"])
def test_a_wildcard_listen_address_is_never_sent(conf, wildcard):
    conf.set_override("host_ip", wildcard, group="api")
    url = ramdisk_api.api_url()
    assert "0.0.0.0" not in url and "[::]" not in url and "//::" not in url
    assert url.endswith(f":{CONF.api.port}")
