"""Custom fields: definitions are plan-limited and feature-gated; values are validated by type."""

import pytest
from sqlalchemy import select

from app.core.errors import FeatureNotAvailable, PlanLimitExceeded, ValidationFailed
from app.core.extensions import db
from app.crm.contacts.models import Contact
from app.crm.contacts.services import create_contact, list_contacts, update_contact
from app.crm.fields import services
from tests.conftest import in_tenant, on_platform


def define(owner, **spec):
    return services.create_field_definition({"object_type": "contact", "field_type": "text", **spec}, actor=owner)


@pytest.mark.parametrize(
    ("spec", "good", "stored", "bad"),
    [
        ({"field_type": "number"}, "1,250.5", 1250.5, "twelve"),
        ({"field_type": "date"}, "2026-02-28", "2026-02-28", "2026-02-30"),
        ({"field_type": "url"}, "https://example.com/a", "https://example.com/a", "javascript:alert(1)"),
        ({"field_type": "checkbox"}, "true", True, "maybe"),
        ({"field_type": "single_select", "options": ["Gold", "Silver"]}, "Gold", "Gold", "Bronze"),
        ({"field_type": "multi_select", "options": ["A", "B", "C"]}, ["C", "A"], ["A", "C"], ["A", "Z"]),
        ({"field_type": "text"}, "  hello ", "hello", "x" * 256),
    ],
)
def test_values_are_validated_by_type(tenant_a, as_user, spec, good, stored, bad):
    with as_user(tenant_a) as owner:
        define(owner, label="Value", **spec)
        contact = create_contact({"first_name": "A", "custom_fields": {"value": good}}, actor=owner)
        assert contact.custom_fields == {"value": stored}
        with pytest.raises(ValidationFailed) as error:
            update_contact(contact, {"custom_fields": {"value": bad}}, actor=owner)
        assert list(error.value.details) == ["custom_fields.value"]


def test_required_and_unknown_fields(tenant_a, as_user):
    with as_user(tenant_a) as owner:
        define(owner, label="Tier", required=True)
        with pytest.raises(ValidationFailed) as error:
            create_contact({"first_name": "A"}, actor=owner)
        assert error.value.details == {"custom_fields.tier": ["Tier is required."]}
        with pytest.raises(ValidationFailed) as error:
            create_contact({"first_name": "A", "custom_fields": {"tier": "x", "nope": 1}}, actor=owner)
        assert "custom_fields.nope" in error.value.details


def test_partial_update_keeps_other_values(tenant_a, as_user):
    with as_user(tenant_a) as owner:
        define(owner, label="One")
        define(owner, label="Two")
        contact = create_contact({"first_name": "A", "custom_fields": {"one": "1", "two": "2"}}, actor=owner)
        update_contact(contact, {"custom_fields": {"two": ""}}, actor=owner)
        assert contact.custom_fields == {"one": "1"}


def test_custom_field_filter(tenant_a, as_user):
    with as_user(tenant_a) as owner:
        define(owner, label="Tier", field_type="single_select", options=["Gold", "Silver"])
        define(owner, label="Langs", field_type="multi_select", options=["EN", "DE"])
        create_contact({"first_name": "A", "custom_fields": {"tier": "Gold", "langs": ["EN", "DE"]}}, actor=owner)
        create_contact({"first_name": "B", "custom_fields": {"tier": "Silver", "langs": ["EN"]}}, actor=owner)
        assert [c.first_name for c in list_contacts(filters={"cf.tier": "Gold"}).items] == ["A"]
        assert [c.first_name for c in list_contacts(filters={"cf.langs": "DE"}).items] == ["A"]
        with pytest.raises(ValidationFailed):
            list_contacts(filters={"cf.unknown": "x"})


def test_feature_gate_refuses_plans_without_custom_fields(make_tenant, as_user):
    tenant = make_tenant("basic", plan="free", roles=("owner",))
    with as_user(tenant) as owner, pytest.raises(FeatureNotAvailable):
        define(owner, label="Tier")


def test_settings_page_explains_the_upgrade(make_tenant, client_for):
    tenant = make_tenant("basic", plan="free", roles=("owner",))
    body = client_for(tenant).get("/settings/fields").get_data(as_text=True)
    assert 'data-testid="fields-upgrade"' in body
    response = client_for(tenant).post(
        "/settings/fields", data={"label": "Tier", "field_type": "text", "object_type": "contact"}
    )
    assert response.status_code == 402


def test_definition_count_is_plan_limited(make_tenant, as_user, app):
    from app.tenants.models import Tenant

    tenant = make_tenant("capped", plan="normal", roles=("owner",))
    with on_platform(app):
        db.session.get(Tenant, tenant.id).limit_overrides = {"custom_fields": 1}
    with as_user(tenant) as owner:
        define(owner, label="One")
        with pytest.raises(PlanLimitExceeded):
            define(owner, label="Two")


def test_delete_removes_values_from_records_of_this_tenant_only(app, tenant_a, tenant_b, as_user):
    for tenant in (tenant_a, tenant_b):
        with as_user(tenant) as owner:
            define(owner, label="Tier")
            create_contact({"first_name": "A", "custom_fields": {"tier": "Gold"}}, actor=owner)
    with as_user(tenant_a) as owner:
        services.delete_field_definition(services.list_field_definitions("contact")[0], actor=owner)
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(Contact)).custom_fields == {}
    with in_tenant(app, tenant_b.id):
        assert db.session.scalar(select(Contact)).custom_fields == {"tier": "Gold"}


def test_reorder_and_edit_through_the_settings_page(client_for, tenant_a, as_user):
    with as_user(tenant_a) as owner:
        first, second = define(owner, label="First").id, define(owner, label="Second").id
    client = client_for(tenant_a)
    client.post(f"/settings/fields/{second}/move", data={"direction": "up"})
    client.post(f"/settings/fields/{first}/edit", data={"label": "Renamed", "help_text": ""})
    with as_user(tenant_a):
        assert [d.label for d in services.list_field_definitions("contact")] == ["Second", "Renamed"]


def test_the_list_shows_each_value_as_its_type_reads(client_for, tenant_a, as_user):
    with as_user(tenant_a) as owner:
        define(owner, label="Member", field_type="checkbox")
        define(owner, label="Interests", field_type="multi_select", options=["Art", "Boats", "Cars"])
        create_contact(
            {"first_name": "Ada", "custom_fields": {"member": "true", "interests": ["Cars", "Art"]}}, actor=owner
        )
        create_contact({"first_name": "Bob"}, actor=owner)
    html = client_for(tenant_a).get("/contacts").get_data(as_text=True)
    cells = [part.split("</td>")[0] for part in html.split('d-lg-table-cell">')[1:]]
    assert "Yes" in cells
    assert "Art, Cars" in cells
    assert cells.count('<span class="text-body-tertiary">—</span>') >= 2  # Bob has neither


def test_a_date_and_a_number_read_as_the_pages_write_them(client_for, tenant_a, as_user):
    """A custom date showed as ISO "2026-02-03" beside "07 Dec 2026" on the same card, and a
    number without its thousands separators; they now read as the declared fields' do."""
    with as_user(tenant_a) as owner:
        define(owner, label="Renewal", field_type="date")
        define(owner, label="Seats", field_type="number")
        contact_id = create_contact(
            {"first_name": "Ada", "custom_fields": {"renewal": "2026-02-03", "seats": "1250000.5"}}, actor=owner
        ).id
    html = client_for(tenant_a).get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert '<dd class="col-7" data-testid="cf-renewal">03 Feb 2026</dd>' in html
    assert '<dd class="col-7" data-testid="cf-seats">1,250,000.5</dd>' in html
    listed = client_for(tenant_a).get("/contacts?columns=cf.renewal&columns=cf.seats").get_data(as_text=True)
    assert "03 Feb 2026" in listed
    assert "1,250,000.5" in listed


def test_fields_appear_in_the_contact_form(client_for, tenant_a, as_user):
    with as_user(tenant_a) as owner:
        define(owner, label="Tier", field_type="single_select", options=["Gold"])
    client = client_for(tenant_a)
    assert 'name="cf.tier"' in client.get("/contacts/new").get_data(as_text=True)
    response = client.post("/contacts/new", data={"first_name": "A", "lifecycle_stage": "lead", "cf.tier": "Platinum"})
    assert response.status_code == 422
    assert "Choose one of the listed options." in response.get_data(as_text=True)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_the_settings_page_shows_every_fields_buttons_on_a_phone(app, live_server, page_at, make_tenant, width):
    """Each field's order and actions (up, down, Edit, Delete) are on the screen, not behind a
    sideways scroll of the table."""

    tenant = make_tenant(f"fieldsphone{width}", roles=("owner",))
    with in_tenant(app, tenant.id):
        from app.auth.models import User

        owner = db.session.get(User, (tenant.id, tenant.users["owner"]))
        define(owner, label="Preferred language", field_type="single_select", options=["English", "German", "French"])
        define(owner, label="Account tier")
        db.session.commit()
    page = page_at(width)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/settings/fields", slug=tenant.slug))
    table = page.get_by_test_id("fields-table")
    overflow = page.evaluate(
        """() => Math.max(document.documentElement.scrollWidth - window.innerWidth,
            ...Array.from(document.querySelectorAll(".table-responsive"), (box) => box.scrollWidth - box.clientWidth))"""
    )
    assert overflow <= 0
    for name in ("Edit", "Delete"):
        buttons = table.get_by_role("button", name=name).or_(table.get_by_role("link", name=name))
        assert buttons.count() == 2
        for index in range(2):
            box = buttons.nth(index).bounding_box()
            assert box["x"] + box["width"] <= width, name
    assert page.console_errors == []
