"""Who is asking: the caller's identity carried from the API into conductor actions."""

import dataclasses
import uuid


@dataclasses.dataclass(frozen=True)
class RequestContext:
    user: str | None = None
    project: str | None = None
    roles: tuple[str, ...] = ()
    is_admin: bool = False
    request_id: str = dataclasses.field(default_factory=lambda: f"req-{uuid.uuid4()}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "RequestContext":
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["roles"] = tuple(values.get("roles") or ())
        return cls(**values)


def admin_context() -> RequestContext:
    """The identity of the service itself (periodic tasks, takeover)."""
    return RequestContext(user="ironic-lite", is_admin=True, roles=("admin",))
