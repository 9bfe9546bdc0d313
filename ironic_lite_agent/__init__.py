"""ironic-lite-agent: the in-ramdisk agent of ironic-lite.

It finds its node through the ironic-lite API (lookup), heart-beats with its own URL and then
serves the conductor's commands over HTTP: steps, image writes, erasure, inspection, burn-in,
software RAID. The hardware it acts on is a backend: the real machine (/dev, sysfs, tools) or a
simulated one (a directory whose block devices are files). See docs/agent.md.

A package of its own, beside ``ironic_lite``, whose modules import nothing of the service
(an import contract in pyproject.toml checks it): the ramdisk builder copies this directory
alone into the image.
"""

__version__ = "0.1.0"
