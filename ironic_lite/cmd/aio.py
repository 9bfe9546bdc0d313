"""ironic-lite: the all-in-one service (API + one conductor, in-process RPC, SQLite default)."""

import logging
import sys

from ironic_lite.cmd import common
from ironic_lite.conf import CONF

LOG = logging.getLogger("ironic_lite.aio")


def main(argv: list[str] | None = None) -> int:
    common.parse_config(argv, prog="ironic-lite")
    common.setup_logging()
    common.tune_malloc()
    state = common.state_dir()
    CONF.set_override("rpc_transport", "none")

    from ironic_lite.api.app import create_app
    from ironic_lite.api.server import serve
    from ironic_lite.conductor.daemon import Conductor
    from ironic_lite.conductor.rpcapi import ConductorAPI, LocalTransport
    from ironic_lite.db import migration, session

    LOG.info("State directory: %s", state)
    LOG.info("Database: %s", session.database_url_safe())
    LOG.info("Schema at revision %s", migration.upgrade_in_child(CONF))

    conductor = Conductor()
    conductor.start()
    rpcapi = ConductorAPI(LocalTransport(conductor.manager), rings=conductor.rings)
    serve(create_app(rpcapi), on_stop=conductor.stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
