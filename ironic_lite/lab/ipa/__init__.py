"""The stock ironic-python-agent (IPA 13) on the lab's simulated machines.

- ``venv``: IPA in a virtualenv of its own (created on demand, reused), with the lab's
  hardware manager installed into it;
- ``hardware_manager``: that plugin (loaded by IPA, not by ironic-lite): the simulated
  machine's file-backed disks, NICs, CPUs and RAM, erase/burn-in/RAID recorded in the
  machine's files;
- ``tools``: the disk and power programs IPA runs (parted, sgdisk, lsblk, dd, poweroff ...),
  acting on the machine's disk files and its BMC instead of this host;
- ``gpt``: reading and writing GUID partition tables in a disk file;
- ``sandbox``: the private mount and PID namespace IPA runs in, whose /dev holds no disk.
"""
