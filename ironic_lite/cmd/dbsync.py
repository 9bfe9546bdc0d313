"""ironic-lite-dbsync: create or upgrade the database schema.

The command is an oslo.config sub-command, so that ``--config-file FILE`` may come before it
(``ironic-lite-dbsync --config-file FILE upgrade``), as with every other ironic-lite command.
"""

import sys

from oslo_config import cfg

from ironic_lite.cmd import common
from ironic_lite.conf import CONF


def _add_commands(subparsers) -> None:
    upgrade = subparsers.add_parser("upgrade", help="migrate to the newest schema (safe to repeat)")
    upgrade.add_argument("--revision", default="head", help="target revision")
    subparsers.add_parser("current", help="print the schema revision")
    subparsers.add_parser("create-schema", help="build a fresh database in one go")


command_opt = cfg.SubCommandOpt(
    "command",
    title="Commands",
    help="What to do with the schema.",
    handler=_add_commands,
)


def main(argv: list[str] | None = None) -> int:
    CONF.clear()  # a command line parsed before in this process must not lock out our option
    CONF.register_cli_opt(command_opt)
    common.parse_config(argv, prog="ironic-lite-dbsync")
    common.setup_logging()
    common.state_dir()

    from ironic_lite.db import migration, session

    print(f"database: {session.database_url_safe()}", file=sys.stderr)
    command = CONF.command.name
    if command == "upgrade":
        migration.upgrade(CONF.command.revision)
        print(f"schema at {migration.current()}")
    elif command == "current":
        print(migration.current() or "empty (no schema)")
    else:
        try:
            migration.create_schema()
        except RuntimeError as e:
            print(f"ironic-lite-dbsync: {e}", file=sys.stderr)
            return 1
        print(f"schema created at {migration.current()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
