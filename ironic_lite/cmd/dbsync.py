"""ironic-lite-dbsync: create or upgrade the database schema."""

import argparse
import sys

from ironic_lite.cmd import common


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="ironic-lite-dbsync", description="Manage the ironic-lite database schema."
    )
    parser.add_argument(
        "command",
        choices=["upgrade", "current", "create-schema"],
        help="upgrade: migrate to the newest schema (safe to repeat); "
        "current: print the schema revision; create-schema: build a fresh "
        "database in one go",
    )
    parser.add_argument("--revision", default="head", help="target revision of upgrade")
    # Everything else (--config-file, --config-dir, ...) is oslo.config's.
    args, rest = parser.parse_known_args(argv)
    common.parse_config(rest, prog="ironic-lite-dbsync")
    common.setup_logging()
    common.state_dir()

    from ironic_lite.db import migration, session

    print(f"database: {session.database_url_safe()}", file=sys.stderr)
    if args.command == "upgrade":
        migration.upgrade(args.revision)
        print(f"schema at {migration.current()}")
    elif args.command == "current":
        print(migration.current() or "empty (no schema)")
    else:
        migration.create_schema()
        print(f"schema created at {migration.current()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
