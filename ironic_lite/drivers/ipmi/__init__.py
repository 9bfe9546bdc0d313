"""The ``ipmi`` hardware type: power and boot device over IPMI 2.0 (RMCP+), with pyghmi.

The interfaces keep Ironic's names, power ``ipmitool`` and management ``ipmitool``, so that an
operator's configuration (enabled_*_interfaces, nodes' *_interface fields) carries over; they
are implemented with pyghmi, a pure-Python IPMI client, not by running the ipmitool binary.
A conductor keeps one logged-in session per BMC and reuses it (``sessions``), where
ipmitool opens and closes one per command.

- ``info``: a node's driver_info (Ironic's ipmi_* names), checked with 400s naming the field;
- ``sessions``: pyghmi sessions pinned to cipher suite 3 or 17, and the session cache;
- ``errors``: pyghmi's exceptions translated into ours (unreachable, auth, unsupported);
- ``client``: ``call(info, operation, fn)``, every BMC call through ``bmc_calls``;
- ``power``, ``management``: the interfaces.
"""
