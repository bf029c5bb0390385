"""Record factories for the generated cross-tenant test.

Every URL argument that names a record (`*_id`) on a tenant-host route needs a factory here:
`ARG_FACTORIES["contact_id"] = make_contact` builds one record in the given tenant and
returns its id. A route whose arguments depend on each other (a note of a contact) registers
an ENDPOINT_FACTORIES entry returning all of its URL values at once. The generated test fails
for any id-route without one, so new routes cannot skip the isolation check.
"""

from collections.abc import Callable
from datetime import timedelta

from app.core.extensions import db
from tests.conftest import in_tenant

# arg name -> factory(app, tenant) -> id
ARG_FACTORIES: dict[str, Callable] = {}
# endpoint -> factory(app, tenant) -> {arg: value}
ENDPOINT_FACTORIES: dict[str, Callable] = {}


def arg_factory(name: str):
    def register(func):
        ARG_FACTORIES[name] = func
        return func

    return register


def endpoint_factory(endpoint: str):
    def register(func):
        ENDPOINT_FACTORIES[endpoint] = func
        return func

    return register


@arg_factory("user_id")
def make_user(app, tenant):
    from app.auth.services import create_user

    with in_tenant(app, tenant.id):
        user = create_user(
            email="extra.person@example.com", name="Extra Person", password="correct-horse-battery", role="sales"
        )
        return user.id


@arg_factory("invitation_id")
def make_invitation(app, tenant):
    import secrets

    from app.auth.models import Invitation
    from app.core.tokens import hash_token
    from app.core.types import utcnow

    with in_tenant(app, tenant.id):
        invitation = Invitation(
            email="invitee@example.com",
            role="sales",
            token_hash=hash_token(secrets.token_urlsafe(16)),
            expires_at=utcnow() + timedelta(days=7),
        )
        db.session.add(invitation)
        db.session.flush()
        return invitation.id


def load_domain_factories() -> None:
    """Import the factories that domain test packages keep beside their tests."""
    import importlib
    import pkgutil

    import tests

    for module in pkgutil.walk_packages(tests.__path__, "tests."):
        if module.name.endswith(".factories") and module.name != "tests.factories":
            loaded = importlib.import_module(module.name)
            generated = getattr(loaded, "register_generated_factories", None)
            if generated is not None:
                generated()
