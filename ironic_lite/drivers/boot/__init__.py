"""Boot interfaces: how a node is made to boot the deploy ramdisk, then its instance."""
