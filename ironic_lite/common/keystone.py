"""Calls ironic-lite makes to other OpenStack services, authenticated through Keystone.

Each service has a config group of keystoneauth options (``conf/service_catalog.py``); an
adapter built from one finds the service in Keystone's catalog (type, interface, region) or
uses its ``endpoint_override``, and re-authenticates by itself when its token expires.
"""

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from ironic_lite.common import exceptions
from ironic_lite.conf import CONF


class ServiceAuthNotConfigured(exceptions.IronicLiteError):
    message = "[%(group)s] has no auth_type: ironic-lite cannot authenticate to that service."


def adapter(group: str, conf: cfg.ConfigOpts = CONF) -> ks_adapter.Adapter:
    """An authenticated keystoneauth adapter for the service configured in ``[group]``."""
    auth = ks_loading.load_auth_from_conf_options(conf, group)
    if auth is None:
        raise ServiceAuthNotConfigured(group=group)
    session = ks_loading.load_session_from_conf_options(conf, group, auth=auth)
    return ks_loading.load_adapter_from_conf_options(conf, group, session=session, auth=auth)
