"""Contact pages: the form validates inline, ignores injected fields, and hits the plan limit."""

import re

from sqlalchemy import select

from app.core.extensions import db
from app.crm.contacts.models import Contact
from tests.conftest import in_tenant, on_platform
from tests.crm.factories import make_company, make_contact, make_tag

VALID = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "_keys": ["emails", "phones"],
    "emails": "ada@example.com",
    "primary_email": "0",
    "lifecycle_stage": "lead",
}


def test_new_contact_form_creates_and_redirects(client_for, tenant_a, app):
    response = client_for(tenant_a).post("/contacts/new", data=VALID)
    assert response.status_code == 302
    with in_tenant(app, tenant_a.id):
        contact = db.session.scalar(select(Contact))
        assert contact.primary_email == "ada@example.com"
        assert response.headers["Location"].endswith(f"/contacts/{contact.id}")


def test_invalid_input_is_shown_inline_with_422(client_for, tenant_a):
    response = client_for(tenant_a).post(
        "/contacts/new",
        data={
            **VALID,
            "emails": "not-an-email",
            "phone_number": "12",
            "phone_label": "work",
            "address.country": "Germany",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "is not a valid email address" in body
    assert "“12” is not a valid United States phone number." in body  # the workspace's region
    assert "two-letter country code" in body
    # Only the rows holding the bad value are marked, not the empty spare rows beside them.
    assert len(re.findall(r'<input class="form-control is-invalid" type="email"', body)) == 1
    assert len(re.findall(r'<input class="form-control is-invalid" type="tel"', body)) == 1


def test_injected_fields_are_ignored(client_for, tenant_a, tenant_b, app):
    hostile = {
        **VALID,
        "id": "00000000-0000-7000-8000-000000000001",
        "tenant_id": str(tenant_b.id),
        "created_by_id": str(tenant_a.users["viewer"]),
        "created_by": str(tenant_a.users["viewer"]),
        "search_text": "planted",
    }
    client_for(tenant_a, "sales").post("/contacts/new", data=hostile)
    with in_tenant(app, tenant_a.id):
        contact = db.session.scalar(select(Contact))
        assert contact.tenant_id == tenant_a.id
        assert str(contact.id) != hostile["id"]
        assert contact.created_by_id == tenant_a.users["sales"]
        assert "planted" not in contact.search_text


def test_owner_must_be_a_user_of_this_tenant(client_for, tenant_a, tenant_b):
    response = client_for(tenant_a).post("/contacts/new", data={**VALID, "owner_id": str(tenant_b.users["sales"])})
    assert response.status_code == 422
    assert "Choose an active user of this workspace." in response.get_data(as_text=True)


def test_form_at_the_contact_limit_shows_the_upgrade_page(client_for, make_tenant, app):
    from app.tenants.models import Tenant

    tenant = make_tenant("limited", plan="normal", roles=("owner",))
    with on_platform(app):
        db.session.get(Tenant, tenant.id).limit_overrides = {"contacts": 1}
    make_contact(app, tenant)
    response = client_for(tenant).post("/contacts/new", data=VALID)
    assert response.status_code == 402
    assert "Upgrade your plan" in response.get_data(as_text=True)
    with in_tenant(app, tenant.id):
        assert db.session.scalar(select(db.func.count()).select_from(Contact)) == 1


def test_viewer_cannot_create_or_bulk_edit(client_for, tenant_a, app):
    viewer = client_for(tenant_a, "viewer")
    assert viewer.post("/contacts/new", data=VALID).status_code == 403
    assert viewer.post("/contacts/bulk", data={"action": "delete"}).status_code == 403


def test_bulk_tagging_without_any_tag_says_where_tags_are_made(client_for, tenant_a, app):
    """A new workspace's bulk bar offered "Add a tag" with an empty list beside it, and Apply
    answered "Choose a tag." with none to choose."""
    make_contact(app, tenant_a, first_name="Ada")
    bulk_bar = client_for(tenant_a).get("/contacts").get_data(as_text=True).split('id="bulk-form"', 1)[1]
    assert 'data-testid="bulk-none-add_tag"' in bulk_bar
    assert 'href="/settings/tags"' in bulk_bar.split("</form>", 1)[0]
    make_tag(app, tenant_a)
    assert 'data-testid="bulk-none-add_tag"' not in client_for(tenant_a).get("/contacts").get_data(as_text=True)


def test_bulk_assign_tag_and_delete(client_for, tenant_a, app):
    ids = [str(make_contact(app, tenant_a, first_name=f"P{i}")) for i in range(3)]
    tag = make_tag(app, tenant_a)
    client = client_for(tenant_a)
    response = client.post(
        "/contacts/bulk", data={"action": "assign_owner", "owner_id": str(tenant_a.users["sales"]), "ids": ids}
    )
    assert response.status_code == 302
    client.post("/contacts/bulk", data={"action": "add_tag", "tag_id": str(tag), "ids": ids[:2]})
    with in_tenant(app, tenant_a.id):
        contacts = db.session.scalars(select(Contact).order_by(Contact.full_name)).all()
        assert {c.owner_id for c in contacts} == {tenant_a.users["sales"]}
        assert [len(c.tags) for c in contacts] == [1, 1, 0]
    client.post("/contacts/bulk", data={"action": "remove_tag", "tag_id": str(tag), "ids": ids})
    client.post("/contacts/bulk", data={"action": "delete", "ids": ids[:2]})
    with in_tenant(app, tenant_a.id):
        remaining = db.session.scalars(select(Contact)).all()
        assert [c.first_name for c in remaining] == ["P2"]
        assert remaining[0].tags == []


def test_sales_cannot_bulk_delete(client_for, tenant_a, app):
    contact = make_contact(app, tenant_a)
    response = client_for(tenant_a, "sales").post("/contacts/bulk", data={"action": "delete", "ids": [str(contact)]})
    assert response.status_code == 403
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(db.func.count()).select_from(Contact)) == 1


def test_360_page_shows_consent_lead_and_tabs(client_for, tenant_a, app, as_user):
    from app.crm.leads.services import convert_lead, create_lead

    with as_user(tenant_a) as owner:
        lead = create_lead({"name": "Ada Lovelace", "email": "ada@example.com"}, actor=owner)
        contact = convert_lead(lead, actor=owner).contact
        from app.crm.contacts.services import update_contact

        update_contact(contact, {"consent": {"email": {"status": "granted", "source": "form"}}}, actor=owner)
        contact_id = contact.id
    client = client_for(tenant_a)
    body = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert "Lead Ada Lovelace" in body
    assert "Granted" in body
    assert "Web form" in body
    assert 'data-testid="tab-timeline"' in body
    assert 'data-testid="tab-notes"' in body
    tab = client.get(f"/contacts/{contact_id}/tabs/notes", headers={"HX-Request": "true"})
    assert tab.status_code == 200
    assert client.get(f"/contacts/{contact_id}/tabs/unknown").status_code == 404


def test_a_registered_tab_appears_without_editing_the_page(client_for, tenant_a, app):
    from jinja2 import ChoiceLoader, DictLoader

    from app.records import registry
    from app.records.capabilities import Tab

    registry.contribute(
        "contact", "tab", Tab("probe", "Probe", "probe_tab.html", lambda record_type, record: {"word": "hi"})
    )
    original = app.jinja_env.loader
    try:
        app.jinja_env.loader = ChoiceLoader(
            [DictLoader({"probe_tab.html": "<p id=probe>{{ word }} {{ record.first_name }}</p>"}), original]
        )
        contact = make_contact(app, tenant_a)
        body = client_for(tenant_a).get(f"/contacts/{contact}?tab=probe").get_data(as_text=True)
        assert "<p id=probe>hi Ada</p>" in body
    finally:
        registry.withdraw("contact", "tab", "probe")
        app.jinja_env.loader = original


def test_phone_numbers_are_shown_as_people_write_them(client_for, tenant_a, app):
    contact_id = make_contact(app, tenant_a, phones=[{"number": "+14155551024", "label": "work"}])
    company_id = make_company(app, tenant_a, name="Formatted Ltd", phone="+442079460958")
    client = client_for(tenant_a)
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert 'href="tel:+14155551024"' in page  # dialled as stored
    assert ">+1 415-555-1024</a>" in page
    assert "+1 415-555-1024" in client.get("/contacts").get_data(as_text=True)
    assert ">+44 20 7946 0958</a>" in client.get(f"/companies/{company_id}").get_data(as_text=True)


def test_a_contact_without_a_phone_shows_the_dash_every_empty_cell_shows(client_for, tenant_a, app):
    """The phone column alone left an empty cell blank beside the other columns' "—"."""
    make_contact(app, tenant_a, first_name="Ada", phones=[])
    html = client_for(tenant_a).get("/contacts?columns=phone").get_data(as_text=True)
    (row,) = re.findall(r'<tr data-testid="record-row">.*?</tr>', html, re.S)
    phone_cell = row.split("<td")[-1]
    assert '<span class="text-body-tertiary">—</span>' in phone_cell


def test_every_row_and_its_company_link_to_their_own_pages(client_for, tenant_a, app):
    # A list builds a record page's address once and fills in each row's id.
    northwind, contoso = make_company(app, tenant_a), make_company(app, tenant_a, name="Contoso")
    ada = make_contact(app, tenant_a, company_id=northwind)
    bea = make_contact(app, tenant_a, first_name="Bea", company_id=contoso)
    html = client_for(tenant_a).get("/contacts").get_data(as_text=True)
    links = set(re.findall(r'href="(/(?:contacts|companies)/[0-9a-f-]{36})"', html))
    assert {f"/contacts/{ada}", f"/contacts/{bea}", f"/companies/{northwind}", f"/companies/{contoso}"} <= links
    assert "RECORDIDSLOT" not in html
