"""Who is asking: the caller's identity carried from the API into conductor actions.

The fields are those keystonemiddleware reports for a token (user, project, roles, system or
domain scope, the service token's user and roles), so policy rules written for Ironic see the
same credentials here. ``noauth`` and ``http_basic`` callers are system administrators.
"""

import dataclasses
import uuid

# Roles Keystone's default hierarchy implies for an administrator; a system administrator
# made up without Keystone (noauth, http_basic, the service itself) carries all three.
ADMIN_ROLES = ("admin", "member", "reader")


@dataclasses.dataclass(frozen=True)
class RequestContext:
    user: str | None = None
    project: str | None = None
    roles: tuple[str, ...] = ()
    is_admin: bool = False
    request_id: str = dataclasses.field(default_factory=lambda: f"req-{uuid.uuid4()}")
    user_domain: str | None = None
    project_name: str | None = None
    project_domain: str | None = None
    domain: str | None = None
    system_scope: str | None = None
    is_admin_project: bool = True
    service_user: str | None = None
    service_user_domain: str | None = None
    service_project: str | None = None
    service_project_domain: str | None = None
    service_roles: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "RequestContext":
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["roles"] = tuple(values.get("roles") or ())
        values["service_roles"] = tuple(values.get("service_roles") or ())
        return cls(**values)

    def to_policy_values(self) -> dict:
        """The credentials oslo.policy rules test, under oslo.context's key names."""
        return {
            "user_id": self.user,
            "user_domain_id": self.user_domain,
            "system_scope": self.system_scope,
            "domain_id": self.domain,
            "project_id": self.project,
            "project_domain_id": self.project_domain,
            "project_name": self.project_name,
            "roles": list(self.roles),
            "is_admin_project": self.is_admin_project,
            "service_user_id": self.service_user,
            "service_user_domain_id": self.service_user_domain,
            "service_project_id": self.service_project,
            "service_project_domain_id": self.service_project_domain,
            "service_roles": list(self.service_roles),
        }


def system_admin_context(
    user: str, project: str | None = None, request_id: str | None = None
) -> RequestContext:
    """A system-scoped administrator: what every caller is without Keystone."""
    extra = {"request_id": request_id} if request_id else {}
    return RequestContext(
        user=user,
        project=project,
        roles=ADMIN_ROLES,
        is_admin=True,
        system_scope="all",
        **extra,
    )


def admin_context() -> RequestContext:
    """The identity of the service itself (periodic tasks, takeover)."""
    return system_admin_context("ironic-lite")
