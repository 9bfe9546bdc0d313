"""The timestamp every table stores and every comparison with it uses: naive UTC.

Here rather than in ``db.models`` so that code which only compares times (drivers, the RPC
client) needs neither SQLAlchemy nor the ``db`` package.
"""

import datetime


def utcnow() -> datetime.datetime:
    """Naive UTC timestamp, the form every table stores."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
