"""Factories for import routes in the generated cross-tenant test (and import tests)."""

from tests.conftest import in_tenant
from tests.factories import arg_factory


@arg_factory("import_id")
def make_import(app, tenant):
    from tests.crm.imports.helpers import upload

    return upload(app, tenant, b"First name,Email\nAda,ada@example.test\n")


@arg_factory("template_id")
def make_import_template(app, tenant):
    import uuid

    from app.crm.imports.services import save_template
    from tests.crm.imports.helpers import owner_of

    with in_tenant(app, tenant.id):
        template = save_template(
            "contact", f"Fair {uuid.uuid4().hex[:6]}", {"First name": "first_name"}, "skip", actor=owner_of(tenant)
        )
        return template.id
