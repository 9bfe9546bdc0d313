"""ironic-lite-api: the REST API alone; conductors run as separate processes."""

import sys

from ironic_lite.cmd import common


def main(argv: list[str] | None = None) -> int:
    common.parse_config(argv, prog="ironic-lite-api")
    common.setup_logging()
    common.tune_malloc()

    from ironic_lite.api.server import serve
    from ironic_lite.cmd.wsgi import build_application

    serve(build_application())
    return 0


if __name__ == "__main__":
    sys.exit(main())
