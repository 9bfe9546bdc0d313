"""Engine and transactions: the only place that knows how to reach the database.

SQLite (the all-in-one default) runs in WAL mode with a busy timeout, and write transactions
start with ``BEGIN IMMEDIATE`` so that two writers queue for the lock instead of one of them
failing with "database is locked" when it upgrades a read transaction. Writers of one process
also queue on a Python lock first: SQLite's busy handler sleeps in growing steps (up to 100 ms)
and is not woken when the lock frees, which under a burst of concurrent writes cost more than
the writes themselves. The busy timeout still covers writers in other processes.
"""

import contextlib
import os
import threading
from collections.abc import Iterator

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.pool import StaticPool

from ironic_lite.conf import CONF
from ironic_lite.conf import database as conf_database

_engine: Engine | None = None
_engine_lock = threading.Lock()
# Held around each write transaction on an SQLite file (see the module docstring).
_sqlite_writers = threading.Lock()


def database_url() -> str:
    """The configured database URL, SQLite under the state dir when none is set."""
    return conf_database.database_url(CONF)


def database_url_safe() -> str:
    """The database URL with any password hidden, for logs."""
    return make_url(database_url()).render_as_string(hide_password=True)


def _configure_sqlite(engine: Engine) -> None:
    busy_ms = CONF.database.sqlite_busy_timeout * 1000

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take transaction control from pysqlite so that BEGIN is ours to emit.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = NORMAL")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection):
        options = conn.get_execution_options()
        if options.get("write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif not options.get("single"):
            conn.exec_driver_sql("BEGIN")
        # A single SELECT is consistent on its own: no BEGIN/COMMIT around it.


# MySQL reports a NOT NULL column left out of an INSERT as a plain OperationalError; SQLite and
# PostgreSQL call it a constraint violation, and so do we.
_MYSQL_NO_DEFAULT_FOR_FIELD = 1364


def _configure_mysql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Strict whatever the server's default: a missing or too long value is an error, never
        # a silently stored '' or a truncated string.
        with dbapi_conn.cursor() as cur:
            cur.execute("SET SESSION sql_mode = 'TRADITIONAL'")
            # group_concat (node traits in one column) stops at 1 KiB by default.
            cur.execute("SET SESSION group_concat_max_len = 65536")

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext):
        orig = context.original_exception
        args = getattr(orig, "args", ())
        if args and args[0] == _MYSQL_NO_DEFAULT_FOR_FIELD:
            return exc.IntegrityError(
                context.statement, context.parameters, orig, hide_parameters=True
            )
        return None


def make_engine(url: str | None = None) -> Engine:
    """Build an engine for ``url`` (default: the configured one) with our pool settings.

    Every engine hides statement parameters from its errors: a failed INSERT of a node
    would otherwise print its driver_info, BMC password included, into the log.
    """
    url = url or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connect_args = {"check_same_thread": False, "timeout": CONF.database.sqlite_busy_timeout}
        if parsed.database in (None, "", ":memory:"):
            # Every connection to ":memory:" is a database of its own, so the process keeps
            # exactly one: a throwaway database for tests, not for concurrent writers.
            engine = create_engine(
                url, connect_args=connect_args, poolclass=StaticPool, hide_parameters=True
            )
        else:
            os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
            engine = create_engine(
                url,
                connect_args=connect_args,
                hide_parameters=True,
                pool_size=CONF.database.max_pool_size,
                max_overflow=CONF.database.max_overflow,
                pool_timeout=CONF.database.pool_timeout,
            )
        _configure_sqlite(engine)
        return engine
    engine = create_engine(
        url,
        hide_parameters=True,
        pool_size=CONF.database.max_pool_size,
        max_overflow=CONF.database.max_overflow,
        pool_timeout=CONF.database.pool_timeout,
        pool_recycle=CONF.database.connection_recycle_time,
        pool_pre_ping=True,
    )
    if parsed.get_backend_name() == "mysql":
        _configure_mysql(engine)
    return engine


def get_engine() -> Engine:
    """The process-wide engine, built on first use."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = make_engine()
    return _engine


def set_engine(engine: Engine | None) -> None:
    """Replace the process-wide engine (tests point it at another database)."""
    global _engine
    with _engine_lock:
        if _engine is not None and _engine is not engine:
            _engine.dispose()
        _engine = engine


@contextlib.contextmanager
def reader(single: bool = False) -> Iterator[Connection]:
    """A read-only transaction; ``single`` for one SELECT (SQLite then skips BEGIN/COMMIT)."""
    with get_engine().connect() as conn:
        if single:
            conn.execution_options(single=True)
        with conn.begin():
            yield conn


@contextlib.contextmanager
def writer() -> Iterator[Connection]:
    """A write transaction; committed when the block ends without an exception."""
    engine = get_engine()
    queue = _sqlite_writers if engine.dialect.name == "sqlite" else contextlib.nullcontext()
    with queue, engine.connect() as conn:
        conn.execution_options(write=True)
        with conn.begin():
            yield conn
