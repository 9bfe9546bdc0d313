"""Which paths answer without credentials: discovery (with the OpenAPI document), and the
agent's callbacks (which check the agent's token instead).

One rule, read by the authentication hook of the app and by the OpenAPI document, which marks
the same operations as open.
"""

PUBLIC_PREFIXES = ("/v1/lookup", "/v1/heartbeat", "/v1/continue_inspection")
PUBLIC_PATHS = frozenset({"/", "/v1", "/v1/", "/v1/openapi.json"})


def is_public(path: str) -> bool:
    """Whether ``path`` (as the client sent it) is served to anyone."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)
