"""Deal pages: the deal page (summary, stage history, rotting), the Deals tab of contacts and
companies with their totals, timelines shared with contacts and companies, pipeline settings,
quotas, and a lead conversion that makes a deal — each as its roles allow."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.core.types import utcnow
from app.crm.deals.models import Deal, Pipeline, Quota, Stage
from app.crm.leads.models import Lead
from tests.conftest import in_tenant
from tests.crm.conftest import filter_labels
from tests.crm.deals.helpers import add_deals, owner_of
from tests.crm.factories import make_company, make_contact, make_lead

HTMX = {"HX-Request": "true"}


def test_deal_page_shows_summary_and_stage_history(app, tenant_a, client_for):
    (deal_id,) = add_deals(app, tenant_a, [{"name": "Rebrand", "value": "2000", "stage": "Proposal"}])
    client = client_for(tenant_a)
    html = client.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert 'data-testid="deal-value">$2,000<' in html
    assert 'data-testid="deal-weighted">$1,000<' in html
    history = client.get(f"/deals/{deal_id}/tabs/stages", headers=HTMX).get_data(as_text=True)
    assert history.count('data-testid="stage-history-row"') == 2
    assert "Prospecting →" in history


def test_rotting_is_shown_and_any_activity_resets_it(app, tenant_a, client_for):
    (deal_id,) = add_deals(app, tenant_a, [{"name": "Sleepy", "value": "100", "stage": "Negotiation"}])
    with in_tenant(app, tenant_a.id):
        deal = db.session.get(Deal, (tenant_a.id, deal_id))
        deal.idle_since = utcnow() - timedelta(days=deal.stage.rotting_days + 1)
    client = client_for(tenant_a)
    assert 'data-testid="rotting-marker"' in client.get("/deals/board").get_data(as_text=True)
    assert 'data-testid="deal-rotting"' in client.get(f"/deals/{deal_id}").get_data(as_text=True)
    listed = client.get("/deals?rotting=1").get_data(as_text=True)
    assert "Sleepy" in listed
    with in_tenant(app, tenant_a.id):
        from app.crm.activities.services import log_activity

        log_activity({"type": "call", "direction": "outbound", "record_id": deal_id}, actor=owner_of(tenant_a))
    assert 'data-testid="rotting-marker"' not in client.get("/deals/board").get_data(as_text=True)
    assert "Sleepy" not in client.get("/deals?rotting=1").get_data(as_text=True)


def test_contact_and_company_deals_tabs_and_shared_timeline(app, tenant_a, client_for):
    company_id = make_company(app, tenant_a, name="Engines")
    contact_id = make_contact(app, tenant_a, first_name="Ada", company_id=company_id)
    with in_tenant(app, tenant_a.id):
        from app.crm.deals.services.pipelines import default_pipeline, list_reasons

        default_pipeline()
        won_reason = list_reasons("won")[0].id
    people = [{"contact_id": contact_id, "primary": True}]
    deal_id, _won, _other = add_deals(
        app,
        tenant_a,
        [
            {"name": "Open one", "value": "1500", "company_id": str(company_id), "contacts": people},
            {
                "name": "Won one",
                "value": "4000",
                "company_id": str(company_id),
                "contacts": people,
                "stage": "Closed won",
                "close_reason": won_reason,
            },
            {"name": "Someone else's", "value": "999"},
        ],
    )
    client = client_for(tenant_a)
    for url in (f"/contacts/{contact_id}/tabs/deals", f"/companies/{company_id}/tabs/deals"):
        tab = client.get(url, headers=HTMX).get_data(as_text=True)
        assert re.search(r'data-testid="deals-total-open">\s*<div>\$1,500', tab), url
        assert re.search(r'data-testid="deals-total-won">\s*<div>\$4,000', tab), url
        assert tab.count('data-testid="related-deal"') == 2
        assert "Someone else" not in tab
    with in_tenant(app, tenant_a.id):
        from app.crm.activities.services import log_activity

        log_activity({"type": "note", "body": "Budget approved", "record_id": deal_id}, actor=owner_of(tenant_a))
    for url in (f"/contacts/{contact_id}/tabs/timeline", f"/companies/{company_id}/tabs/timeline"):
        assert "Budget approved" in client.get(url, headers=HTMX).get_data(as_text=True), url


def test_deal_form_creates_with_contacts_and_inline_errors(app, tenant_a, client_for):
    contact_id = make_contact(app, tenant_a, first_name="Grace")
    client = client_for(tenant_a)
    form = client.get("/deals/new")
    assert form.status_code == 200
    # Left empty, the pipeline and stage fill themselves in: the empty choice says with what.
    for empty_choice in (
        '<option value="">The first pipeline</option>',
        '<option value="">Its first open stage</option>',
    ):
        assert empty_choice in form.get_data(as_text=True)
    bad = client.post("/deals/new", data={"name": "", "value": "-5", "_keys": "contacts"})
    assert bad.status_code == 422
    assert "Name is required." in bad.get_data(as_text=True)
    good = client.post(
        "/deals/new",
        data={
            "name": "Workshop",
            "value": "900",
            "currency": "GBP",
            "deal_contact": str(contact_id),
            "primary_contact": "0",
        },
    )
    assert good.status_code == 302
    with in_tenant(app, tenant_a.id):
        deal = db.session.scalar(select(Deal).where(Deal.name == "Workshop"))
        assert deal.currency == "GBP"
        assert [(link.contact_id, link.is_primary) for link in deal.contact_links] == [(contact_id, True)]


def test_pipeline_settings_for_managers_only(app, tenant_a, client_for):
    add_deals(app, tenant_a, [{"name": "Held", "value": "1", "stage": "Qualification"}])
    with in_tenant(app, tenant_a.id):
        stages = {stage.name: stage.id for stage in db.session.scalars(select(Stage))}
    sales = client_for(tenant_a, "sales")
    page = sales.get("/deals/pipelines").get_data(as_text=True)
    assert "Add stage" not in page
    assert "Drag a stage" not in page  # they cannot: the stages do not move for them
    assert "Drag a stage to reorder it." in client_for(tenant_a).get("/deals/pipelines").get_data(as_text=True)
    assert sales.post(f"/deals/stages/{stages['Proposal']}", data={"name": "Nope"}).status_code == 403
    owner = client_for(tenant_a)
    refused = owner.post(f"/deals/stages/{stages['Qualification']}/delete", data={})
    assert refused.status_code == 422
    assert "Choose the stage its deals move to." in refused.get_data(as_text=True)
    moved = owner.post(
        f"/deals/stages/{stages['Qualification']}/delete", data={"move_to_stage_id": str(stages["Proposal"])}
    )
    assert moved.status_code == 302
    bad = owner.post(f"/deals/stages/{stages['Proposal']}", data={"name": "Proposal", "probability": "150"})
    assert bad.status_code == 422
    assert "from 0 to 100" in bad.get_data(as_text=True)
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(Deal.stage_id).where(Deal.name == "Held")) == stages["Proposal"]
        order = [stage.id for stage in db.session.scalar(select(Pipeline)).stages]
    reversed_ids = ",".join(str(item) for item in reversed(order))
    with in_tenant(app, tenant_a.id):
        pipeline_id = db.session.scalar(select(Pipeline.id))
    assert (
        owner.post(f"/deals/pipelines/{pipeline_id}/stages/order", data={"stage_ids": reversed_ids}).status_code == 204
    )
    with in_tenant(app, tenant_a.id):
        assert [stage.id for stage in db.session.get(Pipeline, (tenant_a.id, pipeline_id)).stages] == list(
            reversed(order)
        )


def test_quotas_are_set_by_managers_all_or_nothing(app, tenant_a, client_for):
    owner_id, sales_id = tenant_a.users["owner"], tenant_a.users["sales"]
    with in_tenant(app, tenant_a.id):
        from app.crm.deals.services.forecast import month_start
        from app.records.normalize import workspace_today

        month = month_start(workspace_today()).strftime("%Y-%m")
    client = client_for(tenant_a)
    refused = client.post(
        "/deals/quotas", data={"month": month, f"quota-{owner_id}-{month}": "5000", f"quota-{sales_id}-{month}": "lots"}
    )
    assert refused.status_code == 422
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(db.func.count(Quota.id))) == 0
    saved = client.post("/deals/quotas", data={"month": month, f"quota-{owner_id}-{month}": "5000"})
    assert saved.status_code == 302
    with in_tenant(app, tenant_a.id):
        assert [str(quota.amount) for quota in db.session.scalars(select(Quota))] == ["5000.00"]
    sales = client_for(tenant_a, "sales")
    assert 'data-testid="save-quotas"' not in sales.get("/deals/quotas").get_data(as_text=True)
    assert client_for(tenant_a, "viewer").post("/deals/forecast/bands", data={}).status_code == 403


def test_lead_conversion_form_makes_a_deal(app, tenant_a, client_for):
    lead_id = make_lead(app, tenant_a, email="yuki@lumen.example", company_name="Lumen", estimated_value="25000")
    client = client_for(tenant_a)
    form = client.get(f"/leads/{lead_id}/convert").get_data(as_text=True)
    assert 'data-testid="conversion-deal"' in form
    assert 'value="Lumen deal"' in form
    response = client.post(
        f"/leads/{lead_id}/convert", data={"create_deal": "y", "deal_name": "Lumen rollout", "deal_value": "30000"}
    )
    assert response.status_code == 302
    with in_tenant(app, tenant_a.id):
        deal = db.session.scalar(select(Deal))
        assert (deal.name, str(deal.value), deal.company.name) == ("Lumen rollout", "30000.00", "Lumen")
    bad_lead = make_lead(app, tenant_a, name="Other", email="o@other.example")
    bad = client.post(f"/leads/{bad_lead}/convert", data={"create_deal": "y", "deal_value": "a lot"})
    assert bad.status_code == 422
    assert "Enter a number" in bad.get_data(as_text=True)


def test_converting_with_a_deal_past_the_deal_limit_keeps_the_form_and_says_why(app, tenant_a, client_for, set_tenant):
    """With "Also create a deal" ticked at the plan's deal limit, the conversion ended on the
    plan-limit page: the deal's name and value typed on the form were gone, nothing said that
    converting without the deal would work."""
    add_deals(app, tenant_a, [{"name": "Existing"}])
    set_tenant(tenant_a, limit_overrides={"deals": 1})
    lead_id = make_lead(app, tenant_a, email="yuki@lumen.example", company_name="Lumen")
    client = client_for(tenant_a)
    refused = client.post(
        f"/leads/{lead_id}/convert", data={"create_deal": "y", "deal_name": "Lumen rollout", "deal_value": "30000"}
    )
    assert refused.status_code == 402
    page = refused.get_data(as_text=True)
    assert 'data-testid="convert-plan-refusal"' in page
    assert 'href="/settings/plan"' in page
    assert 'value="Lumen rollout"' in page
    assert 'value="30000"' in page
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(Deal).where(Deal.name == "Lumen rollout")) is None
        assert db.session.get(Lead, (tenant_a.id, lead_id)).status != "converted"  # nothing half done
    converted = client.post(f"/leads/{lead_id}/convert", data={})  # without the deal it works
    assert "/contacts/" in converted.headers["Location"]


def test_navigation_opens_the_board(app, tenant_a, client_for):
    html = client_for(tenant_a).get("/contacts").get_data(as_text=True)
    assert 'href="/deals/board"' in html
    assert 'href="/deals"' not in html


def test_the_rotting_filter_is_labelled_in_words(app, tenant_a, client_for):
    """Not "'1': open deals idle longer than their stage allows", the API's description."""
    labels = filter_labels(client_for(tenant_a).get("/deals").get_data(as_text=True))
    assert labels["rotting"] == "Going cold"


def test_one_deal_and_one_day_read_in_the_singular(app, tenant_a, client_for):
    """A stage holding one deal said "1 deals"; one that rots after a day, "1 days"."""
    (deal_id,) = add_deals(app, tenant_a, [{"name": "Lonely", "value": "100", "stage": "Negotiation"}])
    with in_tenant(app, tenant_a.id):
        deal = db.session.get(Deal, (tenant_a.id, deal_id))
        deal.stage.rotting_days = 1
        deal.idle_since = utcnow() - timedelta(days=3)
        stage_id = deal.stage_id
        target_id = db.session.scalar(
            select(Stage.id).where(Stage.pipeline_id == deal.stage.pipeline_id, Stage.name == "Proposal")
        )
        db.session.commit()
    client = client_for(tenant_a)
    settings = client_for(tenant_a, "sales").get("/deals/pipelines").get_data(as_text=True)  # read-only
    assert "rots after 1 day · 1 deal<" in settings
    assert "1 deals" not in settings
    assert "more than 1 day:" in client.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert 'title="Idle longer than 1 day"' in client.get("/deals/board").get_data(as_text=True)
    moved = client.post(
        f"/deals/stages/{stage_id}/delete", data={"move_to_stage_id": str(target_id)}, follow_redirects=True
    )
    assert "1 deal moved to Proposal." in moved.get_data(as_text=True)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(30, "under a minute"), (600, "10m"), (3600, "1h"), (3660 + 120, "1h 3m"), (30 * 86400, "30d"), (90000, "1d 1h")],
)
def test_a_stay_reads_as_people_say_it_without_a_zero_unit(seconds, said):
    from app.crm.deals.templating import duration

    assert duration(seconds) == said


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(30, "under a minute"), (3600, "1h"), (3660 + 120, "1h 3m"), (30 * 86400, "30d"), (90000, "1d 1h")],
)
def test_the_templates_duration_reads_as_the_deal_pages_do(app, seconds, said):
    with app.app_context():
        macros = app.jinja_env.get_template("records/_macros.html").module
        assert str(macros.human_duration(seconds)).strip() == said


def test_the_deal_page_closes_and_reopens_for_editors_only(app, tenant_a, client_for):
    from app.crm.deals.services.pipelines import list_reasons

    (deal_id,) = add_deals(app, tenant_a, [{"name": "Shoot day", "value": "5000", "stage": "Negotiation"}])
    owner = client_for(tenant_a)
    page = owner.get(f"/deals/{deal_id}").text
    assert 'data-testid="deal-won"' in page
    assert 'data-testid="deal-lost"' in page
    refused = owner.post(f"/deals/{deal_id}/close", data={"outcome": "lost"}, follow_redirects=True)
    assert "Say why the deal was lost." in refused.text
    with in_tenant(app, tenant_a.id):
        reason = str(list_reasons("lost")[0].id)
    closed = owner.post(
        f"/deals/{deal_id}/close", data={"outcome": "lost", "close_reason_id": reason}, follow_redirects=True
    )
    assert "“Shoot day” is lost." in closed.text
    assert 'data-testid="deal-reopen"' in closed.text
    assert 'data-testid="deal-won"' not in closed.text
    viewer = client_for(tenant_a, "viewer")
    shown = viewer.get(f"/deals/{deal_id}").text
    assert 'data-testid="deal-reopen"' not in shown
    assert viewer.post(f"/deals/{deal_id}/reopen").status_code == 403
    reopened = owner.post(f"/deals/{deal_id}/reopen", follow_redirects=True)
    assert "is open again, in Negotiation." in reopened.text
    with in_tenant(app, tenant_a.id):
        deal = db.session.get(Deal, (tenant_a.id, deal_id))
        assert (deal.status, deal.stage.name, deal.close_reason_id) == ("open", "Negotiation", None)


def test_bulk_change_of_stage_moves_the_chosen_deals_and_refuses_an_unknown_stage(app, tenant_a, tenant_b, client_for):
    from app.crm.deals.services.pipelines import default_pipeline
    from tests.crm.deals.helpers import stages_by_name

    first, second = add_deals(app, tenant_a, [{"name": "Rebrand"}, {"name": "Website"}])
    with in_tenant(app, tenant_a.id):
        proposal = stages_by_name(default_pipeline())["Proposal"].id
    with in_tenant(app, tenant_b.id):
        foreign = stages_by_name(default_pipeline())["Proposal"].id
    client = client_for(tenant_a)
    for stage_id in ("nope", str(foreign)):
        refused = client.post(
            "/deals/bulk",
            data={"action": "set_stage", "stage_id": stage_id, "ids": [str(first)]},
            follow_redirects=True,
        )
        assert refused.status_code == 200
        assert "Choose a stage." in refused.get_data(as_text=True)
    moved = client.post(
        "/deals/bulk",
        data={"action": "set_stage", "stage_id": str(proposal), "ids": [str(first), str(second)]},
        follow_redirects=True,
    )
    assert "2 deals moved" in moved.get_data(as_text=True)
    with in_tenant(app, tenant_a.id):
        assert {db.session.get(Deal, (tenant_a.id, deal_id)).stage_id for deal_id in (first, second)} == {proposal}


def test_the_going_cold_column_is_named_for_screen_readers_and_the_column_picker(app, tenant_a, client_for):
    """The hourglass column's header was empty: a screen reader read a nameless column, and the
    column picker offered a checkbox with no label."""
    add_deals(app, tenant_a, [{"name": "Brand refresh", "value": "42000"}])
    page = client_for(tenant_a).get("/deals").get_data(as_text=True)
    header = page[page.index("<thead") : page.index("</thead>")]
    assert '<span class="visually-hidden">Going cold</span>' in header
    assert re.search(
        r'value="rotting" id="col-\d+"[^>]*><label class="form-check-label" for="col-\d+">Going cold</label>', page
    )


def test_a_deals_close_date_reads_as_every_other_date(app, tenant_a, client_for):
    """The summary card and a contact's Deals tab said "2027-02-05" beside details that say
    "05 Feb 2027"."""
    company_id = make_company(app, tenant_a, name="Dated Ltd")
    (deal_id,) = add_deals(
        app,
        tenant_a,
        [{"name": "Dated", "value": "100", "expected_close_date": "2027-02-05", "company_id": company_id}],
    )
    client = client_for(tenant_a)
    page = client.get(f"/deals/{deal_id}").get_data(as_text=True)
    tab = client.get(f"/companies/{company_id}/tabs/deals", headers=HTMX).get_data(as_text=True)
    assert "Expected close 05 Feb 2027" in page
    assert "closes 05 Feb 2027" in tab
    assert "2027-02-05<" not in page + tab


def test_a_deals_stage_is_named_alone_under_its_pipeline_and_with_it_on_the_list(app, tenant_a, client_for):
    """With two pipelines a deal's details read "Pipeline: Sales pipeline", then "Stage: Sales
    pipeline · Proposal"; the list, whose rows come from both pipelines, keeps the pipeline."""
    from app.crm.deals.services.pipelines import create_pipeline, default_pipeline

    (deal_id,) = add_deals(app, tenant_a, [{"name": "Rebrand", "stage": "Proposal"}])
    with in_tenant(app, tenant_a.id):
        create_pipeline({"name": "Renewals"}, actor=owner_of(tenant_a))
        pipeline = default_pipeline().name
        db.session.commit()
    client = client_for(tenant_a)
    page = client.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert re.search(r'data-testid="fact-stage_id">\s*Proposal\s*<', page), page
    assert f"{pipeline} · Proposal" in client.get("/deals").get_data(as_text=True)
