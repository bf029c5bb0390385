"""Actors that are not people: an automation or a public web form acting inside a tenant.

They pass the kit's permission checks like a user does, but only for the permissions they
are given (a web form may create contacts and leads, nothing else), and every event and
audit row they cause names them.
"""

from app.auth.models import Role


class SystemActor:
    is_authenticated = True
    # No user stands behind it: records it creates have no creator, events no actor id.
    user = None
    id = None
    email = ""
    # The role check of `can()` passes; `permits` then allows only the granted permissions.
    role = Role.OWNER

    def __init__(self, label: str, permissions, *, details: dict | None = None):
        self.audit_label = label[:254]
        self.display_name = label
        self.permissions = frozenset(permissions)
        # What an event emitted by this actor carries about its origin (an automation's depth).
        self.details = dict(details or {})

    def permits(self, permission: str) -> bool:
        return permission in self.permissions

    def __repr__(self) -> str:
        return f"<SystemActor {self.audit_label}>"
