"""The one oslo.config object of the service, with every option group registered.

Each group lives in its own module (``conf/<group>.py``) exposing ``register(conf)`` and
``list_opts()``; ``conf/opts.py`` aggregates them for oslo-config-generator.
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

CONF = cfg.CONF

for _module in (
    default,
    api,
    database,
    conductor,
    drivers,
    fake,
    ipmi,
    iso,
    pxe,
    dhcp,
    redfish,
    agent,
    rbac,
    service_catalog,
):
    _module.register(CONF)
