"""ironic-lite-conductor: a conductor daemon serving RPC from the message bus."""

import sys

from ironic_lite.cmd import common


def main(argv: list[str] | None = None) -> int:
    common.parse_config(argv, prog="ironic-lite-conductor")
    common.setup_logging()
    common.tune_malloc()

    from ironic_lite.conductor import daemon

    return daemon.run()


if __name__ == "__main__":
    sys.exit(main())
