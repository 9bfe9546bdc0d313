"""Start from the kernel command line, as ironic-python-agent does in a deploy ramdisk.

A ramdisk has no configuration file worth the name: the conductor puts what the agent needs on
the kernel command line of the PXE/iPXE script or the virtual media ISO, with IPA's parameter
names, so one boot configuration serves either agent::

    ipa-api-url=http://192.0.2.1:6385 BOOTIF=01-52-54-00-12-34-56 ipa-insecure=1
    ipa-inspection-callback-url=http://192.0.2.1:6385/v1/continue_inspection
    ipa-global-request-id=req-0f5e... ipa-debug=1

``agent_args`` turns those into ``ironic-lite-agent`` flags; flags given on the real command
line come after them and win. ``BOOTIF`` is read by the real hardware backend itself (it is the
inventory's PXE interface). Parameters of IPA that have no meaning here are ignored.
"""

import shlex

CMDLINE = "/proc/cmdline"
_TRUE = ("1", "true", "yes", "on")


def read(path: str = CMDLINE) -> str:
    """The kernel command line (empty when there is none, e.g. outside Linux)."""
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def parse(text: str) -> dict[str, str]:
    """``key=value`` words of a kernel command line; a bare word maps to ``""``. Values may
    be double-quoted as the kernel allows; a later word wins over an earlier one."""
    try:
        words = shlex.split(text)
    except ValueError:  # an unbalanced quote: fall back to plain words
        words = text.split()
    params = {}
    for word in words:
        key, _, value = word.partition("=")
        params[key] = value
    return params


def agent_args(params: dict[str, str]) -> list[str]:
    """The ``ironic-lite-agent`` flags the ``ipa-*`` parameters stand for."""
    args: list[str] = []
    api = params.get("ipa-api-url", "").split(",")[0].strip()
    if api:
        args += ["--api-url", api]
    callback = params.get("ipa-inspection-callback-url", "").strip()
    if callback:
        args += ["--inspect", "--inspection-url", callback]
    if params.get("ipa-insecure", "").lower() in _TRUE:
        args.append("--insecure")
    if params.get("ipa-debug", "").lower() in _TRUE:
        args.append("--debug")
    if params.get("ipa-global-request-id"):
        args += ["--request-id", params["ipa-global-request-id"]]
    if params.get("ipa-lookup-timeout", "").isdigit():
        args += ["--lookup-timeout", params["ipa-lookup-timeout"]]
    host = params.get("ipa-listen-host", "").strip("[]")
    port = params.get("ipa-listen-port", "")
    if host or port.isdigit():
        args += ["--listen", f"{_bracket(host or '0.0.0.0')}:{port or 9999}"]
    advertise = params.get("ipa-advertise-host", "").strip("[]")
    if advertise:
        scheme = params.get("ipa-advertise-protocol") or "http"
        port = params.get("ipa-advertise-port") or 9999
        args += ["--advertise-url", f"{scheme}://{_bracket(advertise)}:{port}"]
    return args


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host
