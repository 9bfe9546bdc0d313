"""A node's IPMI driver_info: Ironic's names, defaults, and 400s that name the field."""

import pytest

from ironic_lite.common import exceptions
from ironic_lite.drivers.ipmi import info


def node(**driver_info):
    return {"uuid": "1be26c0b-03f2-4d2e-ae87-c02d7f33c123", "driver_info": driver_info}


def test_defaults_follow_ironic():
    bmc = info.driver_info(node(ipmi_address="10.1.2.3"))
    assert (bmc.address, bmc.port, bmc.username, bmc.password) == ("10.1.2.3", 623, "", "")
    assert bmc.cipher_suite is None and bmc.label == "10.1.2.3"


def test_strings_are_accepted_where_ironic_accepts_them():
    bmc = info.driver_info(
        node(ipmi_address="bmc-7", ipmi_port="6230", ipmi_cipher_suite="17", ipmi_bridging="no")
    )
    assert (bmc.port, bmc.cipher_suite, bmc.label) == (6230, 17, "bmc-7:6230")


def test_the_password_never_shows():
    bmc = info.driver_info(node(ipmi_address="10.1.2.3", ipmi_password="s3cr3t-pw"))
    assert "s3cr3t-pw" not in repr(bmc)


@pytest.mark.parametrize(
    ("driver_info", "field"),
    [
        ({}, "ipmi_address"),
        ({"ipmi_address": "two words"}, "ipmi_address"),
        ({"ipmi_address": "h", "ipmi_port": "x"}, "ipmi_port"),
        ({"ipmi_address": "h", "ipmi_port": 70000}, "ipmi_port"),
        ({"ipmi_address": "h", "ipmi_cipher_suite": 1}, "ipmi_cipher_suite"),
        ({"ipmi_address": "h", "ipmi_username": 7}, "ipmi_username"),
        ({"ipmi_address": "h", "ipmi_username": "u" * 17}, "ipmi_username"),
        ({"ipmi_address": "h", "ipmi_password": "p" * 21}, "ipmi_password"),
        ({"ipmi_address": "h", "ipmi_bridging": "dual"}, "ipmi_bridging"),
        ({"ipmi_address": "h", "ipmi_protocol_version": "1.5"}, "ipmi_protocol_version"),
    ],
)
def test_a_bad_field_is_a_400_naming_it(driver_info, field):
    with pytest.raises(exceptions.Invalid) as caught:
        info.driver_info(node(**driver_info))
    assert caught.value.code == 400
    assert field in str(caught.value)
    assert "p" * 21 not in str(caught.value)


@pytest.mark.parametrize("level", ["ADMINISTRATOR", "CALLBACK", "OPERATOR", "USER"])
def test_priv_level_takes_ironics_values(level):
    assert info.driver_info(node(ipmi_address="h", ipmi_priv_level=level)).priv_level == level
    assert info.driver_info(node(ipmi_address="h")).priv_level is None
    assert "ipmi_priv_level" in info.PROPERTIES


@pytest.mark.parametrize("level", ["administrator", "ROOT", 4])
def test_an_unknown_priv_level_is_refused_in_ironics_words(level):
    with pytest.raises(exceptions.InvalidParameterValue, match="Invalid privilege level value"):
        info.driver_info(node(ipmi_address="h", ipmi_priv_level=level))
