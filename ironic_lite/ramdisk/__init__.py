"""Deploy ramdisks for real (and virtual) machines, built from Debian's packages.

``ironic-lite-ramdisk build --agent ipa|lite`` debootstraps Debian 12 into a scratch directory,
adds the tools the agents call, a trimmed set of kernel modules, the stock
ironic-python-agent from PyPI or this repository's ``ironic-lite-agent``, and a small init that
brings the network up and starts the agent from the kernel command line; it packs a kernel, a
zstd-compressed initramfs and a UEFI + BIOS bootable ISO into a cache directory keyed by a hash
of its inputs. See docs/ramdisk.md.

- ``debian``: the mirror, debootstrap, the kernel and its modules (the base, shared by agents)
- ``rootfs``: the agent layer, the init files, trimming and packing
- ``iso``: a bootable ISO (isolinux for BIOS, GRUB for UEFI) from a kernel and an initramfs
- ``build``: the recipe, its cache key and the build itself; ``cli``: the command

Never imported by the service: the conductor builds its own per-node ISOs.
"""
