"""Campaigns: to a tag list or a saved view, in throttled batches as per-tenant jobs; the monthly
meter holds back what exceeds it (resumed after an upgrade); cancel mid-way; results."""

import json
import re

from sqlalchemy import select

from app.core.extensions import db
from tests.conftest import in_tenant
from tests.crm.factories import _owner, make_tag
from tests.crm.messaging.helpers import make_consenting_contact, make_template, messages_of, sendgrid_at


def _audience(app, tenant, count, *, consenting=True):
    tag_id = make_tag(app, tenant, name="Newsletter")
    for index in range(count):
        make_consenting_contact(
            app,
            tenant,
            email=f"person{index}@example.com",
            phone=None,
            email_consent="granted" if consenting or index % 2 else "unknown",
            tag_ids=[str(tag_id)],
        )
    return tag_id


def _campaign(app, tenant, tag_id, **data):
    from app.crm.messaging.campaigns.services import create_campaign, launch_campaign

    template_id = make_template(app, tenant, name=f"Template for {data.get('name', 'Spring')}")
    with in_tenant(app, tenant.id):
        campaign = create_campaign(
            {"name": "Spring", "template_id": str(template_id), "audience": f"tag:{tag_id}", **data},
            actor=_owner(tenant),
        )
        launch_campaign(campaign, actor=_owner(tenant))
        return campaign.id


def _batch(app, tenant, campaign_id):
    from app.jobs.runner import execute
    from app.jobs.tenant_jobs import tenant_job_id

    with app.app_context():
        return execute(
            tenant_job_id(tenant.id, "campaign-send", campaign_id),
            "app.crm.messaging.campaigns.jobs:send_campaign_minute",
            tenant_id=tenant.id,
            object_id=str(campaign_id),
        )


def _campaign_row(app, tenant, campaign_id):
    from app.crm.messaging.campaigns.results import campaign_stats
    from app.crm.messaging.models import Campaign

    with in_tenant(app, tenant.id):
        campaign = db.session.get(Campaign, (tenant.id, campaign_id))
        return campaign.status, campaign.waiting_reason, campaign_stats([campaign_id])[campaign_id]


def test_a_campaign_sends_in_throttled_batches_and_skips_who_did_not_consent(app, tenant_a, httpserver):
    from app.jobs.tenant_jobs import next_run_of_tenant_job

    tag_id = _audience(app, tenant_a, 5, consenting=False)
    campaign_id = _campaign(app, tenant_a, tag_id, throttle_per_minute=2)
    with in_tenant(app, tenant_a.id):
        assert next_run_of_tenant_job(tenant_a.id, "campaign-send", campaign_id) is not None
    with sendgrid_at(app, httpserver):
        assert _batch(app, tenant_a, campaign_id) == {"handed": 2, "deferred": 0, "throttled": True, "batches": 1}
        assert len(httpserver.log) == 2
        assert _batch(app, tenant_a, campaign_id)["finished"] is True
    status, _, stats = _campaign_row(app, tenant_a, campaign_id)
    assert (status, stats["recipients"], stats["sent"], stats["blocked"], stats["waiting"]) == ("sent", 5, 2, 3, 0)
    with in_tenant(app, tenant_a.id):
        assert next_run_of_tenant_job(tenant_a.id, "campaign-send", campaign_id) is None  # the job ended itself


def test_a_minute_sends_up_to_the_throttle_in_batches_each_committed_before_the_next(app, tenant_a, httpserver):
    from app.crm.messaging.models import Message, MessageStatus

    tag_id = _audience(app, tenant_a, 7)
    campaign_id = _campaign(app, tenant_a, tag_id, throttle_per_minute=5)
    app.config.update(MESSAGING_BATCH_SIZE=2)
    try:
        with sendgrid_at(app, httpserver):
            first = _batch(app, tenant_a, campaign_id)
            assert (first["handed"], first["batches"], first["throttled"]) == (5, 3, True)  # 2 + 2 + 1
            assert len(httpserver.log) == 5
            with in_tenant(app, tenant_a.id):
                waiting = db.session.query(Message).filter_by(campaign_id=campaign_id, status=MessageStatus.WAITING)
                assert waiting.count() == 2
            second = _batch(app, tenant_a, campaign_id)
            assert (second["handed"], second["finished"]) == (2, True)
            assert len(httpserver.log) == 7
    finally:
        app.config.update(MESSAGING_BATCH_SIZE=500)


def test_a_minute_stops_sending_when_its_time_is_up(app, tenant_a, httpserver):
    tag_id = _audience(app, tenant_a, 4)
    campaign_id = _campaign(app, tenant_a, tag_id, throttle_per_minute=100)
    app.config.update(MESSAGING_BATCH_SIZE=1, CAMPAIGN_RUN_SECONDS=0)
    try:
        with sendgrid_at(app, httpserver):
            assert _batch(app, tenant_a, campaign_id) == {"handed": 1, "deferred": 0, "batches": 1}
            assert len(httpserver.log) == 1
    finally:
        app.config.update(MESSAGING_BATCH_SIZE=500, CAMPAIGN_RUN_SECONDS=45)


def test_what_exceeds_the_monthly_meter_waits_and_resumes_after_an_upgrade(
    app, tenant_a, set_tenant, client_for, httpserver
):
    set_tenant(tenant_a, limit_overrides={"emails_per_month": 2})
    tag_id = _audience(app, tenant_a, 4)
    campaign_id = _campaign(app, tenant_a, tag_id)
    with sendgrid_at(app, httpserver):
        _batch(app, tenant_a, campaign_id)
        assert _batch(app, tenant_a, campaign_id) == {"handed": 0, "waiting": True, "batches": 1}
        status, reason, stats = _campaign_row(app, tenant_a, campaign_id)
        assert (status, stats["sent"], stats["waiting"]) == ("waiting", 2, 2)
        assert "used up" in reason
        page = client_for(tenant_a).get(f"/campaigns/{campaign_id}")
        assert b'data-testid="campaign-waiting"' in page.data
        assert b'data-testid="campaign-resume"' in page.data
        set_tenant(tenant_a, limit_overrides={"emails_per_month": 10})
        assert client_for(tenant_a).post(f"/campaigns/{campaign_id}/resume").status_code == 302
        _batch(app, tenant_a, campaign_id)
    status, _, stats = _campaign_row(app, tenant_a, campaign_id)
    assert (status, stats["sent"], stats["waiting"]) == ("sent", 4, 0)
    assert len(httpserver.log) == 4  # nothing dropped, nothing twice


def test_cancel_mid_way_stops_what_has_not_gone_out(app, tenant_a, client_for, httpserver):
    tag_id = _audience(app, tenant_a, 4)
    campaign_id = _campaign(app, tenant_a, tag_id, throttle_per_minute=1)
    with sendgrid_at(app, httpserver):
        _batch(app, tenant_a, campaign_id)
        assert client_for(tenant_a).post(f"/campaigns/{campaign_id}/cancel").status_code == 302
        assert _batch(app, tenant_a, campaign_id) == {"handed": 0, "stopped": True, "batches": 1}
    status, _, stats = _campaign_row(app, tenant_a, campaign_id)
    assert (status, stats["sent"], stats["canceled"]) == ("canceled", 1, 3)


def test_a_scheduled_campaign_starts_at_its_time_through_a_tenant_job(app, tenant_a):
    from datetime import timedelta

    from app.core.types import utcnow
    from app.jobs.tenant_jobs import next_run_of_tenant_job

    tag_id = _audience(app, tenant_a, 1)
    at = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    campaign_id = _campaign(app, tenant_a, tag_id, scheduled_at=at.isoformat())
    with in_tenant(app, tenant_a.id):
        assert next_run_of_tenant_job(tenant_a.id, "campaign-start", campaign_id) == at
    assert _campaign_row(app, tenant_a, campaign_id)[0] == "scheduled"


def test_a_scheduled_campaign_whose_tag_was_deleted_goes_back_to_draft_and_says_so(app, tenant_a, client_for):
    """It started at its time with nobody in its audience and read "Sent" to nobody."""
    from datetime import timedelta

    from app.core.types import utcnow
    from app.crm.tags.models import Tag
    from app.crm.tags.services import delete_tag
    from app.jobs.runner import execute
    from app.jobs.tenant_jobs import tenant_job_id
    from app.notifications.models import Notification

    tag_id = _audience(app, tenant_a, 2)
    at = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    campaign_id = _campaign(app, tenant_a, tag_id, name="Winter", scheduled_at=at.isoformat())
    with in_tenant(app, tenant_a.id):
        delete_tag(db.session.get(Tag, (tenant_a.id, tag_id)), actor=_owner(tenant_a))
        db.session.commit()
    with app.app_context():
        execute(
            tenant_job_id(tenant_a.id, "campaign-start", campaign_id),
            "app.crm.messaging.campaigns.jobs:start_campaign",
            tenant_id=tenant_a.id,
            object_id=str(campaign_id),
        )
    assert _campaign_row(app, tenant_a, campaign_id)[0] == "draft"
    assert messages_of(app, tenant_a) == []
    with in_tenant(app, tenant_a.id):
        [told] = db.session.scalars(select(Notification).where(Notification.kind == "campaign")).all()
        assert (told.user_id, told.title) == (tenant_a.users["owner"], "“Winter” did not start")
        assert told.url.endswith(f"/campaigns/{campaign_id}")
    page = client_for(tenant_a).get(f"/campaigns/{campaign_id}").text
    assert 'data-testid="campaign-audience-gone"' in page


def test_a_campaign_to_a_saved_view(app, tenant_a, as_user):
    from app.crm.messaging.campaigns.audiences import audience_options
    from app.crm.messaging.campaigns.services import create_campaign
    from tests.crm.factories import make_saved_view

    make_consenting_contact(app, tenant_a)
    view_id = make_saved_view(app, tenant_a, "contact")
    with as_user(tenant_a) as owner:
        assert f"saved_view:{view_id}" in dict(audience_options(owner))
        campaign = create_campaign(
            {
                "name": "View",
                "template_id": str(make_template(app, tenant_a, name="T2")),
                "audience": f"saved_view:{view_id}",
            },
            actor=owner,
        )
        assert campaign.audience_kind == "saved_view"


def test_the_campaign_page_shows_results_with_a_bounded_number_of_queries(
    app, tenant_a, client_for, httpserver, query_counter
):
    tag_id = _audience(app, tenant_a, 3)
    campaign_id = _campaign(app, tenant_a, tag_id)
    with sendgrid_at(app, httpserver):
        _batch(app, tenant_a, campaign_id)
    client = client_for(tenant_a)
    client.get(f"/campaigns/{campaign_id}")
    with query_counter() as few:
        page = client.get(f"/campaigns/{campaign_id}")
    assert page.status_code == 200
    assert b'data-testid="campaign-chart"' in page.data
    assert b'data-testid="stat-sent">3<' in page.data
    for index in range(3, 30):
        make_consenting_contact(app, tenant_a, email=f"more{index}@example.com", phone=None, tag_ids=[str(tag_id)])
    second = _campaign(app, tenant_a, tag_id, name="Second")
    with sendgrid_at(app, httpserver):
        _batch(app, tenant_a, second)
    with query_counter() as many:
        client.get(f"/campaigns/{second}")
    assert many.count == few.count
    with query_counter() as listing:
        assert client.get("/campaigns").status_code == 200
    assert listing.count <= few.count


def test_a_drafts_page_shows_what_it_will_send_and_on_which_channel(app, tenant_a, client_for):
    """A draft's page said "Check it, then start it" yet showed neither its channel nor its
    message: checking meant opening its template in another page."""
    from app.crm.messaging.campaigns.services import create_campaign, get_campaign, launch_campaign

    tag_id = _audience(app, tenant_a, 1)
    template_id = make_template(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        campaign_id = create_campaign(
            {"name": "Draft", "template_id": str(template_id), "audience": f"tag:{tag_id}"}, actor=_owner(tenant_a)
        ).id
    client = client_for(tenant_a)
    page = client.get(f"/campaigns/{campaign_id}").text
    assert 'data-testid="campaign-channel">Email<' in page
    preview_url = f"/messaging/templates/{template_id}/preview"
    assert f'hx-get="{preview_url}"' in page
    assert 'data-testid="preview-subject"' in client.get(preview_url).text
    # Once it has started, its messages say what it sent; the template may have changed since.
    with in_tenant(app, tenant_a.id):
        launch_campaign(get_campaign(campaign_id), actor=_owner(tenant_a))
    started = client.get(f"/campaigns/{campaign_id}").text
    assert 'data-testid="campaign-preview"' not in started
    assert 'data-testid="campaign-chart"' in started


def test_a_viewer_sees_campaigns_but_no_buttons(app, tenant_a, client_for):
    tag_id = _audience(app, tenant_a, 1)
    from app.crm.messaging.campaigns.services import create_campaign

    with in_tenant(app, tenant_a.id):
        campaign_id = create_campaign(
            {"name": "Draft", "template_id": str(make_template(app, tenant_a)), "audience": f"tag:{tag_id}"},
            actor=_owner(tenant_a),
        ).id
    viewer = client_for(tenant_a, "viewer")
    page = viewer.get(f"/campaigns/{campaign_id}")
    assert page.status_code == 200
    assert b"campaign-launch" not in page.data
    assert viewer.post(f"/campaigns/{campaign_id}/launch").status_code == 403
    assert messages_of(app, tenant_a) == []


def test_an_sms_campaign_waits_for_quiet_hours_to_end_then_goes_through_twilio(app, tenant_a, httpserver, time_machine):
    from datetime import datetime

    from tests.crm.messaging.helpers import twilio_at

    tag_id = make_tag(app, tenant_a, name="Texts")
    for index in range(2):
        make_consenting_contact(app, tenant_a, email=None, phone=f"+1415555{index:04d}", tag_ids=[str(tag_id)])
    template_id = make_template(
        app, tenant_a, name="Reminder", channel="sms", text_body="Hi {{ contact.first_name }}, see you tomorrow"
    )
    time_machine.move_to(datetime.fromisoformat("2026-12-02T06:00:00+00:00"))  # 22:00 in San Francisco
    from app.crm.messaging.campaigns.services import create_campaign, launch_campaign

    with in_tenant(app, tenant_a.id):
        campaign = create_campaign(
            {"name": "Texts", "template_id": str(template_id), "audience": f"tag:{tag_id}"}, actor=_owner(tenant_a)
        )
        launch_campaign(campaign, actor=_owner(tenant_a))
        campaign_id = campaign.id
    with twilio_at(app, httpserver):
        assert _batch(app, tenant_a, campaign_id)["deferred"] == 2
        assert httpserver.log == []
        time_machine.move_to(datetime.fromisoformat("2026-12-02T16:05:00+00:00"))  # 08:05 there
        assert _batch(app, tenant_a, campaign_id)["handed"] == 2
    assert len(httpserver.log) == 2
    status, _, stats = _campaign_row(app, tenant_a, campaign_id)
    assert (status, stats["sent"]) == ("sent", 2)


def test_a_campaign_to_a_segment_reaches_its_contacts_when_it_runs(app, tenant_a, httpserver):
    from app.crm.messaging.campaigns.audiences import audience_options
    from tests.crm.segments.factories import make_segment

    make_consenting_contact(app, tenant_a, email="customer@example.com", phone=None, lifecycle_stage="customer")
    make_consenting_contact(app, tenant_a, email="lead@example.com", phone=None, lifecycle_stage="lead")
    segment_id = make_segment(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        assert f"segment:{segment_id}" in dict(audience_options(_owner(tenant_a)))
    campaign_id = _campaign(app, tenant_a, None, audience=f"segment:{segment_id}")
    # Joins the segment after the campaign was started, before its first batch: it is included.
    make_consenting_contact(app, tenant_a, email="late@example.com", phone=None, lifecycle_stage="customer")
    with sendgrid_at(app, httpserver):
        _batch(app, tenant_a, campaign_id)
    assert sorted(m.to_address for m in messages_of(app, tenant_a)) == ["customer@example.com", "late@example.com"]


def test_another_users_private_segment_is_not_an_audience(app, tenant_a, as_user):
    import pytest

    from app.core.errors import ValidationFailed
    from app.crm.messaging.campaigns.services import create_campaign
    from tests.crm.segments.factories import make_segment

    segment_id = make_segment(app, tenant_a, visibility="private")
    template_id = make_template(app, tenant_a)
    with as_user(tenant_a, "admin") as admin, pytest.raises(ValidationFailed):
        create_campaign(
            {"name": "X", "template_id": str(template_id), "audience": f"segment:{segment_id}"}, actor=admin
        )


def test_who_unsubscribes_while_a_campaign_waits_is_blocked_in_the_next_batch(app, tenant_a, httpserver, query_counter):
    from sqlalchemy import select

    from app.crm.contacts.models import Contact, ContactEmail
    from app.crm.messaging import consent

    tag_id = _audience(app, tenant_a, 6)
    campaign_id = _campaign(app, tenant_a, tag_id, throttle_per_minute=2)
    with sendgrid_at(app, httpserver):
        assert _batch(app, tenant_a, campaign_id) == {"handed": 2, "deferred": 0, "throttled": True, "batches": 1}
        with in_tenant(app, tenant_a.id):
            withdrawn = db.session.scalar(
                select(Contact).join(ContactEmail).where(ContactEmail.email == "person2@example.com")
            )
            consent.set_consent(withdrawn, "email", "withdrawn", source="unsubscribe", detail="Unsubscribe link")
            consent.suppress("email", "PERSON3@example.com", consent.SuppressionReason.BOUNCE)
        with query_counter() as counted:
            assert _batch(app, tenant_a, campaign_id) == {"handed": 0, "deferred": 0, "blocked": 2, "batches": 1}
        assert _batch(app, tenant_a, campaign_id) == {"handed": 2, "deferred": 0, "throttled": True, "batches": 1}
        assert _batch(app, tenant_a, campaign_id)["finished"] is True
        assert len(httpserver.log) == 4
    suppression_reads = [statement for statement in counted.statements if "FROM suppressions" in statement]
    assert len(suppression_reads) == 1  # the whole batch in one query
    reasons = {message.to_address: message.status_reason for message in messages_of(app, tenant_a)}
    assert reasons["person2@example.com"] == "Ada Lovelace withdrew consent to email."
    assert reasons["person3@example.com"] == "person3@example.com is on the suppression list."
    status, _, stats = _campaign_row(app, tenant_a, campaign_id)
    assert (status, stats["recipients"], stats["sent"], stats["blocked"], stats["waiting"]) == ("sent", 6, 4, 2, 0)


def test_a_draft_campaign_can_be_changed_before_it_starts(app, tenant_a, client_for):
    """ "Check it, then start it", said the page, but a draft had only Start and Delete: a wrong
    template or audience meant deleting it and starting over."""
    from app.crm.messaging.campaigns.services import create_campaign
    from app.crm.messaging.models import Campaign

    tag_id = _audience(app, tenant_a, 1)
    other_tag = make_tag(app, tenant_a, name="VIP")
    first, second = make_template(app, tenant_a, name="First"), make_template(app, tenant_a, name="Second")
    with in_tenant(app, tenant_a.id):
        campaign_id = create_campaign(
            {"name": "Draft", "template_id": str(first), "audience": f"tag:{tag_id}"}, actor=_owner(tenant_a)
        ).id
    client = client_for(tenant_a)
    assert b'data-testid="campaign-edit"' in client.get(f"/campaigns/{campaign_id}").data
    form = client.get(f"/campaigns/{campaign_id}/edit").get_data(as_text=True)
    assert 'value="Draft"' in form
    assert f'<option selected value="{first}">' in form
    refused = client.post(
        f"/campaigns/{campaign_id}/edit",
        data={"name": "", "template_id": str(second), "audience": f"tag:{other_tag}", "throttle_per_minute": "60"},
    )
    assert refused.status_code == 422
    saved = client.post(
        f"/campaigns/{campaign_id}/edit",
        data={
            "name": "Spring",
            "template_id": str(second),
            "audience": f"tag:{other_tag}",
            "throttle_per_minute": "60",
        },
    )
    assert saved.status_code == 302
    with in_tenant(app, tenant_a.id):
        campaign = db.session.get(Campaign, (tenant_a.id, campaign_id))
        assert (campaign.name, campaign.template_id, campaign.audience_ref, campaign.throttle_per_minute) == (
            "Spring",
            second,
            str(other_tag),
            60,
        )
    viewer = client_for(tenant_a, "viewer")
    assert b"campaign-edit" not in viewer.get(f"/campaigns/{campaign_id}").data
    assert viewer.get(f"/campaigns/{campaign_id}/edit").status_code == 403


def test_the_campaign_form_says_what_its_numbers_and_times_count(app, tenant_a, client_for):
    """ "At most per minute" said nothing of what it counts, and "In the agency's time zone" did
    not say which zone that is."""
    from app.tenants.models import Tenant

    with in_tenant(app, tenant_a.id):  # the app role reads a tenant's row only inside it
        zone = db.session.get(Tenant, tenant_a.id).timezone
    page = client_for(tenant_a).get("/campaigns/new").get_data(as_text=True)
    assert "Messages a minute, at most" in page
    assert f"In the agency&#39;s time zone, {zone}." in page


def test_a_drafts_page_says_how_many_it_would_reach_as_the_start_counts_them(app, tenant_a, client_for):
    """Before Start, the page and its confirmation say who it would go to; the start then
    queues exactly that many and skips the rest (no consent, or on the suppression list)."""
    from app.crm.messaging.campaigns.jobs import materialize_recipients
    from app.crm.messaging.campaigns.services import create_campaign, get_campaign
    from app.crm.messaging.consent import add_suppression
    from app.crm.messaging.models import Message, MessageStatus

    tag_id = _audience(app, tenant_a, 5, consenting=False)  # person1 and person3 consented
    template_id = make_template(app, tenant_a, name="Reach")
    with in_tenant(app, tenant_a.id):
        add_suppression({"channel": "email", "address": "Person1@Example.com"}, actor=_owner(tenant_a))
        campaign_id = create_campaign(
            {"name": "Reach", "template_id": str(template_id), "audience": f"tag:{tag_id}"}, actor=_owner(tenant_a)
        ).id
    page = client_for(tenant_a).get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "<strong>1 contact</strong> of the audience's 5 would get it if it started now; 4 without" in page
    assert "It goes to 1 contact." in page
    with in_tenant(app, tenant_a.id):
        materialize_recipients(get_campaign(campaign_id))
        statuses = sorted(db.session.scalars(db.select(Message.status).where(Message.campaign_id == campaign_id)).all())
    assert statuses == [MessageStatus.BLOCKED] * 4 + [MessageStatus.WAITING]


def test_each_number_lists_the_recipients_it_counts_page_by_page(app, tenant_a, client_for, httpserver):
    from sqlalchemy import select, update

    from app.core.types import utcnow
    from app.crm.messaging.models import Message

    tag_id = _audience(app, tenant_a, 52)
    campaign_id = _campaign(app, tenant_a, tag_id)
    with sendgrid_at(app, httpserver):
        _batch(app, tenant_a, campaign_id)
    with in_tenant(app, tenant_a.id):
        ids = db.session.scalars(
            select(Message.id).where(Message.campaign_id == campaign_id).order_by(Message.id)
        ).all()
        # Two opened it, and one of them clicked: "Opened" counts and lists both.
        db.session.execute(update(Message).where(Message.id.in_(ids[:2])).values(opened_at=utcnow()))
        db.session.execute(update(Message).where(Message.id == ids[0]).values(clicked_at=utcnow()))
        db.session.commit()
    client = client_for(tenant_a)

    first = client.get(f"/campaigns/{campaign_id}")
    assert first.status_code == 200
    assert first.text.count('href="/contacts/') == 50
    older = re.search(r'href="([^"]+)" rel="next"', first.text).group(1).replace("&amp;", "&")
    assert older.startswith(f"/campaigns/{campaign_id}?cursor=")
    assert client.get(older).text.count('href="/contacts/') == 2

    opened = client.get(f"/campaigns/{campaign_id}?outcome=opened")
    assert 'data-testid="stat-opened">2<' in opened.text
    assert opened.text.count('href="/contacts/') == 2
    assert 'aria-current="true" data-testid="filter-opened"' in opened.text
    assert client.get(f"/campaigns/{campaign_id}?outcome=clicked").text.count('href="/contacts/') == 1
    assert "Nobody here" in client.get(f"/campaigns/{campaign_id}?outcome=bounced").text
    refused = client.get(f"/campaigns/{campaign_id}?outcome=loved")
    assert refused.status_code == 422
    assert "Unknown recipient filter" in refused.text


def test_the_not_sent_number_is_not_called_a_lack_of_consent(app, tenant_a, client_for):
    """The number of recipients skipped was labelled "Not sent (no consent)", though it counts
    those on the suppression list or without an address too: the list under it then said
    "On the suppression list." for a recipient counted there."""
    from app.crm.messaging.campaigns.jobs import materialize_recipients
    from app.crm.messaging.campaigns.services import get_campaign
    from app.crm.messaging.consent import add_suppression

    tag_id = _audience(app, tenant_a, 2)
    with in_tenant(app, tenant_a.id):
        add_suppression({"channel": "email", "address": "person0@example.com"}, actor=_owner(tenant_a))
    campaign_id = _campaign(app, tenant_a, tag_id)
    with in_tenant(app, tenant_a.id):
        materialize_recipients(get_campaign(campaign_id))
        db.session.commit()
    page = client_for(tenant_a).get(f"/campaigns/{campaign_id}?outcome=blocked").text
    assert 'data-testid="stat-blocked">1<' in page
    assert "On the suppression list." in page
    assert "no consent" not in page
    assert "Recipients: Not sent" in page


def test_the_campaign_list_pages_past_its_first_fifty(app, tenant_a, client_for):
    """The list read the newest hundred campaigns and no more: an agency's older campaigns,
    and their results, could no longer be reached from it."""
    from app.crm.messaging.campaigns.services import create_campaign

    tag_id = make_tag(app, tenant_a, name="Newsletter")
    template_id = make_template(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        for index in range(51):
            create_campaign(
                {"name": f"Issue {index:03d}", "template_id": str(template_id), "audience": f"tag:{tag_id}"},
                actor=_owner(tenant_a),
            )
        db.session.commit()
    client = client_for(tenant_a)
    first = client.get("/campaigns").text
    assert len(re.findall(r'href="/campaigns/[0-9a-f-]{36}"', first)) == 50
    assert "Issue 050" in first
    assert "Issue 000" not in first
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(older).text
    assert "Issue 000" in second
    assert "Issue 001" not in second


def test_the_campaign_list_shows_no_numbers_for_a_campaign_that_has_not_started(app, tenant_a, client_for):
    """A draft's row read "0 · 0.0 % · 0.0 %", as if it had gone out to nobody."""
    from app.crm.messaging.campaigns.services import create_campaign

    tag_id = _audience(app, tenant_a, 1)
    with in_tenant(app, tenant_a.id):
        create_campaign(
            {"name": "Draft", "template_id": str(make_template(app, tenant_a)), "audience": f"tag:{tag_id}"},
            actor=_owner(tenant_a),
        )
        db.session.commit()
    listing = client_for(tenant_a).get("/campaigns").text
    [row] = re.findall(r"<tr>\s*<td><a href=\"/campaigns/.*?</tr>", listing, re.S)
    assert "0.0 %" not in row
    assert ">0<" not in row
    assert row.count(">—</td>") == 2  # sent, and opened with clicked


def test_an_sms_campaign_shows_no_open_or_click_numbers(app, tenant_a, client_for):
    """An SMS has no open pixel and its links are not tracked, yet the list gave an SMS campaign
    "0.0 %" opened and clicked and its page counted both: numbers that could never move."""
    from app.crm.messaging.campaigns.services import create_campaign, launch_campaign

    tag_id = make_tag(app, tenant_a, name="Texting")
    sms_template = make_template(app, tenant_a, name="Reminder", channel="sms", text_body="See you at 10.")
    email_template = make_template(app, tenant_a, name="Letter")
    with in_tenant(app, tenant_a.id):
        texts = create_campaign(
            {"name": "Texts", "template_id": str(sms_template), "audience": f"tag:{tag_id}"}, actor=_owner(tenant_a)
        )
        sms_id = launch_campaign(texts, actor=_owner(tenant_a)).id
        letters = create_campaign(
            {"name": "Letters", "template_id": str(email_template), "audience": f"tag:{tag_id}"},
            actor=_owner(tenant_a),
        )
        launch_campaign(letters, actor=_owner(tenant_a))
        db.session.commit()
    client = client_for(tenant_a)
    rows = {
        re.search(r">(Texts|Letters)</a>", row).group(1): row
        for row in re.findall(r"<tr>.*?</tr>", client.get("/campaigns").text, re.S)
        if "</a>" in row
    }
    assert "%" not in rows["Texts"]
    assert rows["Letters"].count("0.0 %") == 2
    page = client.get(f"/campaigns/{sms_id}").text
    assert 'data-testid="stat-opened"' not in page
    assert 'data-testid="stat-clicked"' not in page
    assert 'data-testid="stat-delivered"' in page
    chart = json.loads(
        re.search(r'<script type="application/json" id="campaign-chart"[^>]*>(.*?)</script>', page, re.S).group(1)
    )
    assert chart["labels"] == ["Sent", "Delivered", "Bounced", "Unsubscribed"]


def test_an_sms_campaigns_recipients_show_their_numbers_as_people_write_them(app, tenant_a, client_for):
    """The recipients of an SMS campaign were listed as "+14155550100", where the inbox and the
    contact's page write "+1 415-555-0100"."""
    from app.crm.messaging.campaigns.jobs import materialize_recipients
    from app.crm.messaging.campaigns.services import create_campaign, get_campaign, launch_campaign

    tag_id = make_tag(app, tenant_a, name="Texting")
    make_consenting_contact(app, tenant_a, email=None, phone="+14155550100", tag_ids=[str(tag_id)])
    template_id = make_template(app, tenant_a, name="Reminder", channel="sms", text_body="See you at 10.")

    with in_tenant(app, tenant_a.id):
        campaign = create_campaign(
            {"name": "Texts", "template_id": str(template_id), "audience": f"tag:{tag_id}"}, actor=_owner(tenant_a)
        )
        launch_campaign(campaign, actor=_owner(tenant_a))
        materialize_recipients(get_campaign(campaign.id))
        campaign_id = campaign.id
        db.session.commit()
    page = client_for(tenant_a).get(f"/campaigns/{campaign_id}").text
    assert "+1 415-555-0100" in page
    assert "+14155550100" not in page


def test_a_drafts_page_shows_who_it_would_reach_not_a_wall_of_zeros(app, tenant_a, client_for):
    """A draft's page showed ten numbers at 0, "0 % handled" and an empty chart around the one
    line that mattered before the start: who it would go to."""
    from app.crm.messaging.campaigns.services import create_campaign

    tag_id = _audience(app, tenant_a, 2)
    with in_tenant(app, tenant_a.id):
        campaign_id = create_campaign(
            {"name": "Draft", "template_id": str(make_template(app, tenant_a)), "audience": f"tag:{tag_id}"},
            actor=_owner(tenant_a),
        ).id
    page = client_for(tenant_a).get(f"/campaigns/{campaign_id}").text
    assert 'data-testid="campaign-reach"' in page
    assert 'data-testid="campaign-status">Draft<' in page
    assert 'data-testid="stat-sent"' not in page
    assert 'data-testid="campaign-chart"' not in page
    assert "% handled" not in page


def test_the_campaign_form_shows_every_error_at_once(app, tenant_a, client_for):
    """An empty form said only "This field is required." by the name: the template, audience and
    rate errors showed up one submit at a time."""
    from tests.conftest import csrf_token_from

    client = client_for(tenant_a)
    token = csrf_token_from(client.get("/campaigns/new").get_data(as_text=True))
    response = client.post(
        "/campaigns/new",
        data={"csrf_token": token, "name": "", "template_id": "", "audience": "", "throttle_per_minute": "0"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in (
        "Name is required.",
        "Choose a template.",
        "Choose who receives it.",
        "Give a number from 1 to 100,000.",
    ):
        assert message in page
    assert len(re.findall(r'class="invalid-feedback', page)) == 4  # each beside its input
    assert re.search(r'for="name">Name <span class="text-danger"', page)  # still marked required


def test_the_campaign_form_marks_the_template_and_audience_required(app, tenant_a, client_for):
    """Only the name had its star, yet saving without a template or an audience is refused
    ("Choose a template.", "Choose who receives it."): the form hid what it needs."""
    page = client_for(tenant_a).get("/campaigns/new").get_data(as_text=True)
    for name, label in (("name", "Name"), ("template_id", "Template"), ("audience", "Audience")):
        assert re.search(rf'for="{name}">{label} <span class="text-danger"', page), name
    assert not re.search(r'for="scheduled_at">[^<]*<span class="text-danger"', page)


def test_a_new_workspaces_campaign_form_says_how_to_get_a_template_and_an_audience(app, tenant_a, client_for):
    """A new workspace has no template and nothing to send to: both selects offered only
    "Choose…", with no way from there to what they need."""
    page = client_for(tenant_a).get("/campaigns/new").get_data(as_text=True)
    assert 'href="/messaging/templates/new"' in page
    assert 'href="/contacts"' in page  # tag some contacts or save a view of them
    assert 'href="/segments/new?type=contact"' in page


def test_a_started_campaign_without_recipients_yet_does_not_say_it_has_not_started(app, tenant_a, client_for):
    """Between 'Start now' and its first batch the page said 'Sending' over 'Recipients are
    listed once the campaign starts.'; canceled then, it still said so."""
    tag_id = _audience(app, tenant_a, 2)
    campaign_id = _campaign(app, tenant_a, tag_id)
    client = client_for(tenant_a)
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "once the campaign starts" not in page
    assert "It has started: its recipients are listed as its first batch is prepared" in page
    assert client.post(f"/campaigns/{campaign_id}/cancel").status_code == 302
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "It was canceled before any message was prepared." in page


def test_a_drafts_page_says_its_audience_is_gone_and_offers_no_start(app, tenant_a, client_for):
    """A draft's segment deleted, its page still named 'Segment — …' with 'Start now' beside it,
    and said only 'The audience is gone.' once Start was clicked."""
    from app.crm.messaging.campaigns.services import create_campaign
    from tests.crm.segments.factories import make_segment

    make_consenting_contact(app, tenant_a, email="customer@example.com", phone=None, lifecycle_stage="customer")
    segment_id = make_segment(app, tenant_a, name="Customers")
    template_id = make_template(app, tenant_a)
    with in_tenant(app, tenant_a.id):
        campaign = create_campaign(
            {"name": "Spring", "template_id": str(template_id), "audience": f"segment:{segment_id}"},
            actor=_owner(tenant_a),
        )
        campaign_id = campaign.id
    client = client_for(tenant_a)
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'data-testid="campaign-launch"' in page
    assert 'data-testid="campaign-audience-gone"' not in page
    assert client.post(f"/segments/{segment_id}/delete").status_code == 302
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Its audience, “Segment — Customers”, is gone" in page
    assert f'href="/campaigns/{campaign_id}/edit">Choose another<' in page
    assert 'data-testid="campaign-launch"' not in page
    viewer = client_for(tenant_a, "viewer").get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'data-testid="campaign-audience-gone"' in viewer
    assert "Choose another" not in viewer


def test_a_scheduled_campaigns_segment_is_kept_until_the_campaign_is_canceled(
    app, tenant_a, client_for, api_client_for
):
    """Deleting the segment a scheduled campaign goes to was allowed: at its time the campaign
    started with no audience and sent to nobody. Now the delete is refused, naming the campaign."""
    from datetime import timedelta

    from app.core.types import utcnow
    from tests.crm.segments.factories import make_segment

    segment_id = make_segment(app, tenant_a, name="Customers")
    at = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    campaign_id = _campaign(
        app, tenant_a, None, name="Autumn", audience=f"segment:{segment_id}", scheduled_at=at.isoformat()
    )
    assert _campaign_row(app, tenant_a, campaign_id)[0] == "scheduled"
    refused = api_client_for(tenant_a).delete(f"/api/v1/segments/{segment_id}")
    assert refused.status_code == 409
    assert "“Autumn” is scheduled to go to this segment" in refused.get_json()["error"]["message"]
    client = client_for(tenant_a)
    response = client.post(f"/segments/{segment_id}/delete", follow_redirects=True)
    assert response.request.path == f"/segments/{segment_id}"
    assert "The campaign “Autumn” is scheduled to go to this segment: cancel it" in response.get_data(as_text=True)
    assert client.post(f"/campaigns/{campaign_id}/cancel").status_code == 302
    assert client.post(f"/segments/{segment_id}/delete").status_code == 302
    assert client.get(f"/segments/{segment_id}").status_code == 404
