"""What a screen reader hears on the kit's pages: the sorted column of a list, a form's errors, a
flash message, a card of facts."""

import re
import uuid

from tests.accessibility import assert_errors_are_linked
from tests.crm.factories import make_company, make_contact, make_field, make_tag


def _header_of(html: str, label: str) -> str:
    """The opening <th …> tag of the column whose header reads `label`."""
    match = re.search(r"(<th[^>]*>)\s*(?:<a[^>]*>)?\s*" + re.escape(label) + r"\b", html)
    assert match, f"no column header {label!r}"
    return match.group(1)


def test_sorted_column_announces_its_direction(app, client_for, tenant_a):
    make_contact(app, tenant_a, first_name="Ada", last_name="Lovelace")
    client = client_for(tenant_a)

    ascending = client.get("/contacts?sort=name").get_data(as_text=True)
    assert 'aria-sort="ascending"' in _header_of(ascending, "Contact")
    assert "aria-sort" not in _header_of(ascending, "Owner")  # not sortable

    descending = client.get("/contacts?sort=-name").get_data(as_text=True)
    assert 'aria-sort="descending"' in _header_of(descending, "Contact")

    newest = client.get("/contacts?sort=-created_at").get_data(as_text=True)
    assert "aria-sort" not in _header_of(newest, "Contact")  # sorted by a column not shown


def _tag_of(html: str, element_id: str) -> str:
    """The opening tag of the element with that id."""
    match = re.search(r'<(?:input|select|textarea)\b[^>]*\bid="' + re.escape(element_id) + r'"[^>]*>', html)
    assert match, f"no input #{element_id}"
    return match.group(0)


def test_record_form_links_each_error_to_its_input(client_for, tenant_a):
    response = client_for(tenant_a).post("/companies/new", data={"name": "", "address.country": "Germany"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422

    name = _tag_of(html, "f-name")
    assert 'aria-invalid="true"' in name
    assert 'aria-describedby="f-name-error"' in name
    assert 'aria-required="true"' in name  # the star beside its label is hidden from screen readers
    assert re.search(r'id="f-name-error">\s*<div class="invalid-feedback d-block">\S', html)
    country = _tag_of(html, "f-address.country")
    assert 'aria-describedby="f-address.country-error"' in country
    assert 'id="f-address.country-error"' in html
    assert "aria-invalid" not in _tag_of(html, "f-address.city")
    assert 'aria-describedby="f-domain-help"' in _tag_of(html, "f-domain")  # its hint, read with it


def test_page_form_links_each_error_to_its_input(client_for, tenant_a):
    response = client_for(tenant_a).post("/settings/tags", data={"name": "", "color": "#123456"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422

    name = _tag_of(html, "name")
    assert 'aria-invalid="true"' in name
    assert 'aria-describedby="name-error"' in name
    assert re.search(r'id="name-error">\s*<div class="invalid-feedback d-block">\S', html)


def test_a_done_message_is_a_status_and_a_problem_an_alert(app, client_for, tenant_a):
    client = client_for(tenant_a)
    saved = client.post("/companies/new", data={"name": "Northwind"}, follow_redirects=True).get_data(as_text=True)
    assert re.search(r'<div class="alert alert-success[^"]*" role="status">\s*Northwind added', saved)

    with client.session_transaction(base_url=tenant_a.base_url) as session:
        session["_flashes"] = [("danger", "That did not work.")]
    refused = client.get("/companies").get_data(as_text=True)
    assert re.search(r'<div class="alert alert-danger[^"]*" role="alert">\s*That did not work', refused)


def test_a_fact_card_of_one_value_still_names_it_for_screen_readers(app, client_for, tenant_a):
    company_id = make_company(app, tenant_a, name="Northwind", address={"line1": "1 Harbour Road", "city": "Leith"})
    html = client_for(tenant_a).get(f"/companies/{company_id}").get_data(as_text=True)
    card = html.split('data-testid="facts-address"', 1)[1].split("</dl>", 1)[0]
    # Its heading names it on screen; a description list without a term reads as nothing.
    assert re.search(r'<dt class="visually-hidden">Address</dt>\s*<dd[^>]*data-testid="fact-address"', card)


def test_every_widget_of_a_record_form_links_its_error(app, client_for, tenant_a):
    make_field(app, tenant_a, label="Tier", key="tier", required=True)
    make_tag(app, tenant_a, name="VIP")  # a tag deleted meanwhile is refused beside the others
    client = client_for(tenant_a)
    unknown = str(uuid.uuid4())
    forms = {
        # emails, phones, consent, owner, tags and custom fields
        "/contacts/new": {
            "first_name": "Ada",
            "emails": "not-an-address",
            "phone_number": "abc",
            "consent.email": "granted",
            "owner_id": unknown,
            "tag_ids": unknown,
            "_keys": ["emails", "phones", "consent", "tag_ids"],
        },
        "/deals/new": {"name": "Renewal", "deal_contact": unknown, "_keys": ["contacts"]},  # a deal's contacts
        "/quotes/new": {"title": "Offer", "line_description": "Seats", "line_quantity": "many", "_keys": ["lines"]},
        # a record of any type, several choices
        "/tasks/new": {"title": "Call", "related_id": f"contact:{unknown}", "reminders": "7"},
        "/meetings/new": {"title": "Kick-off", "attendees.present": "1", "attendees.users": unknown},  # attendees
    }
    for url, data in forms.items():
        response = client.post(url, data=data)
        assert response.status_code == 422, url
        assert_errors_are_linked(response.get_data(as_text=True))


def test_a_required_custom_field_is_announced_as_required(app, client_for, tenant_a):
    make_field(app, tenant_a, label="Tier", key="tier", required=True)
    html = client_for(tenant_a).get("/contacts/new").get_data(as_text=True)
    assert 'aria-required="true"' in _tag_of(html, "f-cf.tier")


def test_each_group_of_choices_on_a_record_form_is_named(app, client_for, tenant_a):
    make_field(app, tenant_a, label="Interests", key="interests", field_type="multi_select", options=["SEO", "Ads"])
    make_tag(app, tenant_a, name="VIP")
    client = client_for(tenant_a)
    html = client.get("/contacts/new").get_data(as_text=True)
    # Checkboxes read "VIP" or "SEO" alone unless their group says what they choose.
    for name, legend in (("tag_ids", "Tags"), ("cf.interests", "Interests")):
        group = re.search(
            r"<fieldset\b[^>]*>\s*<legend\b[^>]*>([^<]+)</legend>(?:(?!</?fieldset).)*name=\"" + re.escape(name),
            html,
            re.S,
        )
        assert group, f"{name} is in no named group"
        assert group.group(1).strip() == legend, name
    for url in ("/contacts/new", "/deals/new", "/tasks/new", "/meetings/new", "/quotes/new"):
        page = client.get(url).get_data(as_text=True)
        ids = set(re.findall(r'\bid="([^"]+)"', page))
        for target in re.findall(r'<label\b[^>]*\bfor="([^"]+)"', page):
            assert target in ids, f"{url}: a label names #{target}, which is not on the page"


def test_each_primary_choice_says_which_row_it_is_for(client_for, tenant_a):
    client = client_for(tenant_a)
    for url, row in (("/contacts/new", "email"), ("/deals/new", "contact")):
        html = client.get(url).get_data(as_text=True)
        labels = [
            " ".join(re.sub(r"<[^>]+>", " ", text).split())
            for text in re.findall(r'<label\b[^>]*for="primary-[^"]*"[^>]*>(.*?)</label>', html, re.S)
        ]
        # Three radio buttons each read "Primary" told a screen reader nothing about which row.
        assert labels == [f"Primary {row} {n}" for n in (1, 2, 3)], url
