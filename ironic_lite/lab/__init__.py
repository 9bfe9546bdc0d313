"""The lab: BMC emulators and simulated machines on 127.0.0.1, for tests and newcomers.

- ``redfish`` and ``sushy_lab``: sushy-tools' Redfish emulator, extended (BIOS, firmware,
  boots counted with their boot device), as a subprocess.
- ``ipmi``: in-memory IPMI BMCs on pyghmi's BMC server, many in one process, with a control
  API.
- ``simulator``: the machine behind each BMC; it runs ``ironic-lite-agent`` on a simulated
  machine while the machine is booted into the deploy ramdisk.
- ``files``: ramdisk placeholders and a small image to deploy.
- ``stack`` and ``cli``: all of it as processes recorded by PID (``ironic-lite-lab``).

It needs the ``lab`` extra (sushy-tools): ``pip install 'ironic-lite[lab]'``. Nothing in the
service imports it (an import contract in pyproject.toml checks it); it starts the service as
processes, like an operator would.
"""
