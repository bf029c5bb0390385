"""Contact services: validation, partial updates, the timeline's change events, deletion."""

import pytest
from sqlalchemy import select

from app.core.errors import PlanLimitExceeded, ValidationFailed
from app.core.extensions import db
from app.crm.activities.models import Activity
from app.crm.contacts import services
from app.crm.contacts.models import Contact
from tests.crm.conftest import timeline


def test_create_contact_normalizes_email_and_phone(tenant_a, as_user):
    with as_user(tenant_a) as owner:
        contact = services.create_contact(
            {
                "first_name": "Ada",
                "last_name": "Lovelace",
                "emails": [{"email": "ADA@Example.com", "primary": True}, {"email": "ada@work.example"}],
                "phones": [{"number": "+44 20 7946 0958", "label": "work"}],
            },
            actor=owner,
        )
        assert contact.full_name == "Ada Lovelace"
        assert contact.primary_email == "ada@example.com"
        assert contact.phones[0].number == "+442079460958"
        assert contact.owner_id == owner.id
        assert contact.created_by_id == owner.id


def test_national_phone_uses_the_workspace_region(tenant_a, as_user):
    with as_user(tenant_a) as owner:
        # The test tenant is in UTC and pays in USD: national numbers read as US numbers.
        contact = services.create_contact({"first_name": "Bo", "phones": ["(415) 555-2671"]}, actor=owner)
        assert contact.phones[0].number == "+14155552671"


def test_a_national_number_of_another_country_says_where_it_was_read(tenant_a, as_user):
    """A French agency left on the new workspace's US region read "06 12 34 56 78 is not a
    valid phone number", with nothing saying that numbers without + are read as American."""
    with as_user(tenant_a) as owner, pytest.raises(ValidationFailed) as error:
        services.create_contact({"first_name": "Léa", "phones": ["06 12 34 56 78"]}, actor=owner)
    assert error.value.details["phones"] == [
        "“06 12 34 56 78” is not a valid United States phone number. Start with + and the country code,"
        " or set the workspace's time zone under Settings → Agency."
    ]


def test_two_primary_emails_are_refused(tenant_a, as_user):
    with as_user(tenant_a) as owner, pytest.raises(ValidationFailed) as error:
        services.create_contact(
            {
                "first_name": "A",
                "emails": [{"email": "a@x.test", "primary": True}, {"email": "b@x.test", "primary": True}],
            },
            actor=owner,
        )
    assert "emails" in error.value.details


def test_email_of_another_contact_is_refused(tenant_a, as_user):
    with as_user(tenant_a) as owner:
        services.create_contact({"first_name": "One", "emails": ["same@x.test"]}, actor=owner)
        with pytest.raises(ValidationFailed) as error:
            services.create_contact({"first_name": "Two", "emails": ["same@x.test"]}, actor=owner)
    assert "already belongs to One" in error.value.details["emails"][0]


def test_identity_and_ownership_stamps_are_refused(tenant_a, as_user):
    with as_user(tenant_a) as owner, pytest.raises(ValidationFailed) as error:
        services.create_contact({"first_name": "A", "tenant_id": "x", "created_by": "y", "id": "z"}, actor=owner)
    assert set(error.value.details) == {"tenant_id", "created_by", "id"}


def test_partial_update_changes_only_given_keys_and_logs_old_and_new(tenant_a, as_user):
    with as_user(tenant_a) as owner:
        contact = services.create_contact({"first_name": "Ada", "last_name": "L", "title": "CTO"}, actor=owner)
        services.update_contact(contact, {"title": "CEO", "lifecycle_stage": "customer"}, actor=owner)
        assert (contact.first_name, contact.title, contact.lifecycle_stage) == ("Ada", "CEO", "customer")
        event = timeline(contact.id, system=True)[0]
        assert event.details["action"] == "contact.updated"
        assert event.changes["title"] == {"old": "CTO", "new": "CEO"}
        assert event.changes["lifecycle_stage"] == {"old": "Lead", "new": "Customer"}
        assert "first_name" not in event.changes


def test_contact_limit_is_enforced(make_tenant, as_user, app):
    from app.tenants.models import Tenant
    from tests.conftest import on_platform

    tenant = make_tenant("small", plan="normal", roles=("owner",))
    with on_platform(app):
        db.session.get(Tenant, tenant.id).limit_overrides = {"contacts": 1}
    with as_user(tenant) as owner:
        services.create_contact({"first_name": "First"}, actor=owner)
        with pytest.raises(PlanLimitExceeded):
            services.create_contact({"first_name": "Second"}, actor=owner)


def test_delete_keeps_activities_of_its_company(tenant_a, as_user):
    from app.crm.activities.services import log_activity
    from app.crm.companies.services import create_company

    with as_user(tenant_a) as owner:
        company = create_company({"name": "Acme"}, actor=owner)
        contact = services.create_contact({"first_name": "A", "company_id": company.id}, actor=owner)
        call = log_activity({"type": "call", "contact_id": contact.id, "direction": "outbound"}, actor=owner)
        services.delete_contact(contact, actor=owner)
        db.session.flush()
        db.session.expire_all()
        assert call.id in [activity.id for activity in timeline(company.id)]
        assert db.session.get(Activity, (tenant_a.id, call.id)).record_id is None
        assert db.session.scalar(select(Contact).where(Contact.id == contact.id)) is None


def test_nul_characters_are_refused_before_reaching_the_database(tenant_a, as_user):
    with as_user(tenant_a) as owner, pytest.raises(ValidationFailed) as error:
        services.create_contact({"first_name": "A\x00", "custom_fields": {"x": "\x00"}}, actor=owner)
    assert set(error.value.details) == {"first_name", "custom_fields"}


def test_search_and_filters_with_nul_do_not_fail(tenant_a, as_user):
    with as_user(tenant_a):
        assert services.list_contacts(search="a\x00").items == []
        with pytest.raises(ValidationFailed):
            services.list_contacts(filters={"lifecycle_stage": "lead\x00"})


def test_repeated_tag_names_are_refused_not_a_server_error(tenant_a, as_user):
    from app.crm.tags.services import create_tag

    with as_user(tenant_a) as owner:
        create_tag({"name": "Ärzte"}, actor=owner)
        create_tag({"name": "Partner"}, actor=owner)
        for same in ("Ärzte", "partner", "PARTNER"):
            with pytest.raises(ValidationFailed):
                create_tag({"name": same}, actor=owner)
