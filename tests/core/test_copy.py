"""Counts read as English: "1 record", "2 records" — never "1 users" or a hedged plural
(an "http(s)" address is not one)."""

import re
from pathlib import Path

from app.plans.models import LIMIT_KEYS
from tests.conftest import on_platform

ROOT = Path(__file__).resolve().parents[2]


def test_no_text_hedges_its_plural():
    hedged = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("app", "templates")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".html", ".txt"}
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"[a-z]\(s\)", line.replace("http(s)", ""))
    ]
    assert hedged == []


def test_a_limit_of_one_is_singular_on_the_plan_cards(app, apex_client):
    from app.core.extensions import db
    from app.plans.models import Plan

    with on_platform(app):
        plan = db.session.get(Plan, "free")
        plan.limits = {**plan.limits, "users": 1, "contacts": 1}
    page = apex_client.get("/pricing").get_data(as_text=True)
    card = page.split('data-testid="plan-free"')[1].split('data-testid="plan-')[0]
    assert "1 user<" in card
    assert "1 contact<" in card
    assert "1 users" not in page


def test_every_limit_label_has_a_form_for_one(app):
    from app.shell import limit_label

    for key in LIMIT_KEYS:
        assert not re.search(r"\b1 [a-z]+s\b", f"1 {limit_label(key, 1)}"), key


def test_the_tags_page_counts_records_in_words(app, tenant_a, client_for):
    from app.auth.models import User
    from app.core.extensions import db
    from app.crm.tags.services import create_tag
    from tests.conftest import in_tenant
    from tests.crm.factories import make_contact

    with in_tenant(app, tenant_a.id):
        owner = db.session.get(User, (tenant_a.id, tenant_a.users["owner"]))
        vip = str(create_tag({"name": "VIP"}, actor=owner).id)
        create_tag({"name": "Cold"}, actor=owner)
    make_contact(app, tenant_a, tag_ids=[vip])
    page = client_for(tenant_a).get("/settings/tags").get_data(as_text=True)
    assert "1 record<" in page
    assert "removed from 1 record." in page
    assert "0 records<" in page


def test_tags_and_custom_field_pages_name_every_type_they_apply_to(app, tenant_a, client_for):
    """Both pages said "contacts, companies and leads" while deals take custom fields too, and
    deals, tasks, meetings, quotes and more take tags: the words come from the declarations."""
    from app.core.text import in_a_list
    from app.records.registry import record_types_with

    client = client_for(tenant_a)
    for path, capability in (("/settings/tags", "tags"), ("/settings/fields", "custom_fields")):
        kinds = [record_type.label_plural.lower() for record_type in record_types_with(capability)]
        assert len(kinds) > 3, capability  # more than the three the old words named
        page = client.get(path).get_data(as_text=True)
        assert in_a_list(kinds) in page, path
        assert "contacts, companies and leads." not in page, path
    assert in_a_list(["deals"]) == "deals"
    assert in_a_list(["deals", "tasks"]) == "deals and tasks"
    assert in_a_list(["contacts", "deals", "tasks"]) == "contacts, deals and tasks"
