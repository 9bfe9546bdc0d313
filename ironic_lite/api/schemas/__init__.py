"""JSON schemas of request bodies, one module per resource."""

BOOL = {
    "anyOf": [
        {"type": "boolean"},
        {
            "type": "string",
            "enum": [
                "0",
                "1",
                "t",
                "true",
                "on",
                "y",
                "yes",
                "f",
                "false",
                "off",
                "n",
                "no",
                "True",
                "False",
            ],
        },
    ]
}
UUID = {"type": "string", "format": "uuid"}
UUID_OR_NULL = {"anyOf": [UUID, {"type": "null"}]}
OBJECT = {"type": "object"}
OBJECT_OR_NULL = {"type": ["object", "null"]}
# The largest value of an integer column (32 bits): priorities, orders, boot indexes.
INT32_MAX = 2**31 - 1
# A priority or order: a number, or digits (the CLI sends text), that such a column holds.
STEP_ORDER = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "maximum": INT32_MAX},
        {"type": "string", "pattern": "^[0-9]{1,9}$"},
    ]
}


def string(max_length: int | None = None, nullable: bool = True, min_length: int = 0) -> dict:
    schema: dict = {"type": ["string", "null"] if nullable else "string"}
    if max_length:
        schema["maxLength"] = max_length
    if min_length:
        schema["minLength"] = min_length
    return schema
