"""The API URL a booted ramdisk is given (``ipa-api-url``, the inspection callback).

``[deploy] api_url`` when set; else ``[api] public_endpoint``; else the address the API
listens on. A wildcard listen address (``0.0.0.0``, ``::``) is no address a machine can
reach, so this host's own name is resolved instead; an IPv6 address is bracketed.
"""

import ipaddress
import socket

from ironic_lite.conf import CONF

_WILDCARDS = ("", "0.0.0.0", "::", "[::]")


def api_url() -> str:
    """Where a booted ramdisk reaches the API (its lookup and heart-beats)."""
    if CONF.deploy.api_url:
        return CONF.deploy.api_url.rstrip("/")
    if CONF.api.public_endpoint:
        return CONF.api.public_endpoint.rstrip("/")
    host = (CONF.api.host_ip or "").strip()
    if host in _WILDCARDS:
        host = _own_address(ipv6=":" in host)
    return f"http://{_bracketed(host)}:{CONF.api.port}"


def _bracketed(host: str) -> str:
    host = host.strip("[]")
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass  # a host name
    return host


def _own_address(ipv6: bool) -> str:
    """This host's address by its name (no packet is sent); the name itself if unresolved."""
    family = socket.AF_INET6 if ipv6 else socket.AF_INET
    name = socket.getfqdn()
    try:
        found = socket.getaddrinfo(name, None, family, socket.SOCK_STREAM)
    except OSError:
        return name
    addresses = [entry[4][0] for entry in found]
    usable = [a for a in addresses if not ipaddress.ip_address(a).is_loopback]
    return (usable or addresses or [name])[0]
