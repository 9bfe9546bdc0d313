"""What every command does first: read configuration, set up logging, reach the database."""

import logging
import os
import sys

from ironic_lite import __version__
from ironic_lite.conf import CONF


def parse_config(argv: list[str] | None = None, prog: str = "ironic-lite") -> None:
    """Parse ``--config-file`` & co. like every oslo service; no file at all is fine."""
    CONF(
        argv if argv is not None else sys.argv[1:],
        project="ironic-lite",
        prog=prog,
        version=__version__,
    )


def setup_logging() -> None:
    level = logging.DEBUG if CONF.debug else logging.INFO
    handler: logging.Handler
    handler = logging.FileHandler(CONF.log_file) if CONF.log_file else logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in (
        "sqlalchemy",
        "alembic",
        "amqp",
        "kombu",
        "oslo_messaging",
        "cheroot",
        "stevedore",
        "urllib3",
    ):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def state_dir() -> str:
    path = os.path.expanduser(os.path.expandvars(CONF.state_path))
    os.makedirs(path, exist_ok=True)
    return path
