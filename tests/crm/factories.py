"""Factories for the CRM routes in the generated cross-tenant test (and for CRM tests).

Each builds one record through the services, as the tenant's owner, and returns its id.
Names are look-alike across tenants on purpose; unique keys get a random suffix so a
factory can run twice in one tenant.
"""

import uuid

from app.auth.models import User
from app.core.extensions import db
from tests.conftest import in_tenant
from tests.factories import ARG_FACTORIES, ENDPOINT_FACTORIES, arg_factory, endpoint_factory


def _owner(tenant):
    return db.session.get(User, (tenant.id, tenant.users["owner"]))


def create(app, tenant, operation, data: dict, **kwargs):
    """Run one service create as the tenant's owner and return the new record's id."""
    with in_tenant(app, tenant.id):
        return operation(data, actor=_owner(tenant), **kwargs).id


@arg_factory("contact_id")
def make_contact(app, tenant, **data):
    from app.crm.contacts.services import create_contact

    return create(app, tenant, create_contact, {"first_name": "Ada", "last_name": "Lovelace", **data})


def open_new_contact(app, live_server, page, tenant, **data):
    """A new contact ("Ada Lovelace" unless named) on its page, signed in as the owner: its id."""
    contact_id = make_contact(app, tenant, **data)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url(f"/contacts/{contact_id}", slug=tenant.slug))
    return contact_id


@arg_factory("company_id")
def make_company(app, tenant, **data):
    from app.crm.companies.services import create_company

    return create(app, tenant, create_company, {"name": "Northwind", **data})


@arg_factory("lead_id")
def make_lead(app, tenant, **data):
    from app.crm.leads.services import create_lead

    return create(app, tenant, create_lead, {"name": "Grace Hopper", **data})


@arg_factory("activity_id")
def make_activity(app, tenant, **data):
    from app.crm.activities.services import log_activity

    contact_id = data.pop("contact_id", None) or make_contact(app, tenant)
    return create(
        app, tenant, log_activity, {"type": "note", "body": "Met at the fair.", "contact_id": contact_id, **data}
    )


@arg_factory("tag_id")
def make_tag(app, tenant, **data):
    from app.crm.tags.services import create_tag

    return create(app, tenant, create_tag, {"name": f"VIP {uuid.uuid4().hex[:6]}", **data})


@arg_factory("field_id")
def make_field(app, tenant, **data):
    from app.crm.fields.services import create_field_definition

    spec = {"object_type": "contact", "label": "Tier", "key": f"tier_{uuid.uuid4().hex[:6]}", "field_type": "text"}
    return create(app, tenant, create_field_definition, {**spec, **data})


@endpoint_factory("contacts.tab")
def contact_tab(app, tenant):
    return {"contact_id": make_contact(app, tenant), "key": "timeline"}


@endpoint_factory("activities.timeline")
@endpoint_factory("activities.log")
def timeline_subject(app, tenant):
    return {"subject_type": "contact", "subject_id": make_contact(app, tenant)}


@endpoint_factory("companies.make_primary")
@endpoint_factory("companies.remove_contact")
def company_member(app, tenant):
    company_id = make_company(app, tenant)
    return {"company_id": company_id, "contact_id": make_contact(app, tenant, company_id=company_id)}


def make_record(app, tenant, type_name: str, **data):
    """One record of any kit type, from its declared example."""
    from app.records.registry import get_record_type
    from app.records.services import create_record

    record_type = get_record_type(type_name)
    example = {**record_type.example, **data}
    for key in ("emails",):
        # Unique keys get a suffix so a factory can run twice in one tenant.
        if key in example:
            example[key] = [
                {"email": f"{uuid.uuid4().hex[:8]}.{item['email']}", "primary": item.get("primary", False)}
                for item in example[key]
            ]
    if "email" in example and isinstance(example["email"], str):
        example["email"] = f"{uuid.uuid4().hex[:8]}.{example['email']}"
    if example.get("domain"):
        example["domain"] = f"{uuid.uuid4().hex[:8]}.{example['domain']}"

    def build(data, *, actor):
        return create_record(record_type, data, actor=actor)

    return create(app, tenant, build, example)


@arg_factory("attachment_id")
def make_attachment(app, tenant, **data):
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    from app.crm.attachments.services import attach_file
    from app.crm.contacts.record import CONTACTS

    contact_id = make_contact(app, tenant)
    with in_tenant(app, tenant.id):
        contact = db.session.get(CONTACTS.model, (tenant.id, contact_id))
        upload = FileStorage(BytesIO(b"%PDF-1.4 brochure"), filename="brochure.pdf")
        return attach_file(CONTACTS, contact, upload, actor=_owner(tenant), max_megabytes=1).id


@endpoint_factory("attachments.upload")
def upload_target(app, tenant):
    return {"record_type_name": "contact", "record_id": make_contact(app, tenant)}


def register_generated_factories() -> None:
    """Every registered record type: its id, its tabs and its saved views, made generically.

    Called by load_domain_factories() once apps exist, so types wired by the app's
    configuration (the test-only one included) are known."""
    from app.records.registry import record_types

    for record_type in record_types():
        name, id_arg = record_type.name, record_type.id_arg

        def record(app, tenant, name=name):
            return make_record(app, tenant, name)

        def tab(app, tenant, name=name, id_arg=id_arg):
            return {id_arg: make_record(app, tenant, name), "key": "timeline"}

        def view(app, tenant, name=name):
            return {"view_id": make_saved_view(app, tenant, name)}

        ARG_FACTORIES.setdefault(id_arg, record)
        ENDPOINT_FACTORIES.setdefault(f"{record_type.plural}.tab", tab)
        ENDPOINT_FACTORIES.setdefault(f"{record_type.plural}.delete_view", view)


def make_saved_view(app, tenant, type_name: str):
    from app.records.registry import get_record_type
    from app.records.saved_views import save_view

    with in_tenant(app, tenant.id):
        view = save_view(
            get_record_type(type_name), f"Mine {uuid.uuid4().hex[:6]}", {"sort": None}, actor=_owner(tenant)
        )
        return view.id
