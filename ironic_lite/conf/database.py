"""[database] options: which SQL database holds the inventory and how to talk to it."""

import os

from oslo_config import cfg

group = cfg.OptGroup("database", title="Database options")

opts = [
    cfg.StrOpt(
        "connection",
        secret=True,
        help="SQLAlchemy URL of the database, e.g. postgresql+psycopg2://ironic:pw@db/ironic "
        "or mysql+pymysql://ironic:pw@db/ironic?charset=utf8mb4. "
        "Defaults to SQLite at $state_path/ironic-lite.sqlite.",
    ),
    cfg.IntOpt(
        "sqlite_busy_timeout",
        default=30,
        min=1,
        help="Seconds an SQLite writer waits for another writer before giving up.",
    ),
    cfg.IntOpt("max_pool_size", default=10, min=1, help="Connections kept open per process."),
    cfg.IntOpt(
        "max_overflow", default=20, min=0, help="Extra connections allowed beyond the pool."
    ),
    cfg.IntOpt(
        "pool_timeout", default=30, min=1, help="Seconds to wait for a free pooled connection."
    ),
    cfg.IntOpt(
        "connection_recycle_time",
        default=3600,
        min=1,
        help="Seconds after which a pooled connection is replaced.",
    ),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts() -> list:
    return [(group, opts)]


def database_url(conf: cfg.ConfigOpts) -> str:
    """The configured database URL, SQLite under the state dir when none is set.

    Here rather than in ``db`` because it is a fact of configuration: ``db.session`` connects
    to it and ``common.local_files`` refuses to publish the SQLite file, without the second
    importing the first.
    """
    if conf.database.connection:
        return conf.database.connection
    state = os.path.expanduser(os.path.expandvars(conf.state_path))
    return "sqlite:///" + os.path.join(state, "ironic-lite.sqlite")
