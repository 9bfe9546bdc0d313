"""Print the OpenAPI document of the v1 API: ``python -m ironic_lite.cmd.openapi >
docs/openapi.json`` regenerates the copy in the docs (a test compares it with the code).

It builds the app, so it lives with the entry points: ``api.openapi`` renders a given app and
never imports the factory that imports it.
"""

import sys

from ironic_lite.api import openapi
from ironic_lite.api.app import create_app


def main() -> None:
    sys.stdout.write(openapi.dumps(openapi.document(create_app())))


if __name__ == "__main__":
    main()
