"""The one oslo.config object of the service, with every option group registered.

Each group lives in its own module (``conf/<group>.py``) exposing ``register(conf)`` and
``list_opts()``. ``GROUP_MODULES`` lists them once: registration below and ``conf/opts.py``
(oslo-config-generator's entry point) both read it, so a new group is added in one place.
"""

from oslo_config import cfg

from ironic_lite.conf import (
    agent,
    api,
    conductor,
    database,
    default,
    dhcp,
    drivers,
    fake,
    ipmi,
    iso,
    pxe,
    rbac,
    redfish,
    service_catalog,
)

# The order is the sample file's: DEFAULT's own options first, then the drivers' DEFAULT ones.
GROUP_MODULES = (
    default,
    drivers,
    api,
    conductor,
    database,
    fake,
    ipmi,
    iso,
    pxe,
    dhcp,
    redfish,
    agent,
    rbac,
    service_catalog,
)

CONF = cfg.CONF

for _module in GROUP_MODULES:
    _module.register(CONF)
