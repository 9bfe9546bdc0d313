"""schemathesis, stateless, against the seeded all-in-one on SQLite and on PostgreSQL.

It reads the OpenAPI document the service serves and sends what every operation's schemas
allow and, in its coverage and fuzzing phases, what they refuse (wrong types, missing fields,
boundary values, NUL and odd unicode in every string). The bar: no 5xx, and every 4xx with
Ironic's error body. The examples per operation are bounded and the seed fixed, so a run is
repeatable and takes a known time (about 9,000 requests per database).
"""

import requests

from tests.fuzz import schemathesis_run
from tests.fuzz.conftest import GROUP, LATEST

pytestmark = [GROUP]

SEED = 20261204
MAX_EXAMPLES = 5


def test_no_5xx_and_ironic_error_bodies(seeded, capsys):
    document = requests.get(f"{seeded.url}/v1/openapi.json", headers=LATEST, timeout=30).json()
    tally = schemathesis_run.run(
        seeded.url, document, seed=SEED, max_examples=MAX_EXAMPLES, examples=seeded.examples
    )
    with capsys.disabled():
        print(
            f"\nschemathesis on {seeded.database}: {tally.requests} requests, "
            f"status classes {dict(sorted(tally.statuses.items()))}, "
            f"{len(tally.server_errors)} 5xx, {len(tally.bad_error_bodies)} bad error bodies"
        )
    assert tally.requests > 2000, "schemathesis sent fewer requests than a full run does"
    assert tally.statuses["2xx"] > 0 and tally.statuses["4xx"] > 0
    assert not tally.server_errors, tally.server_errors[:20]
    assert not tally.bad_error_bodies, tally.bad_error_bodies[:20]
    logged = seeded.logged_since_start()
    assert "Traceback" not in logged, logged[-5000:]
