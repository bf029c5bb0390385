"""Demo lead capture and automation for `seed-demo`: three web forms with a month of views and
attributed submissions, four workflows (routing, follow-up, won-deal onboarding, a newsletter
tag) and a webhook.

The workflows are on before the submissions arrive, and the engine runs them from the stored
events as the scheduler would (`deliver_now`), then once more for a lead a seller qualifies:
the run log shows finished runs, a branch taken and a run waiting, before any scheduler starts.
"""

import random
from datetime import timedelta

from sqlalchemy import select

from app.auth.demo_team import get_demo_owner, get_sellers
from app.auth.models import Role
from app.core.errors import ValidationFailed
from app.core.events import deliver_now
from app.core.extensions import db
from app.core.models import tenant_join
from app.core.types import clock_set_to, utcnow
from app.crm.automations.models import Workflow
from app.crm.automations.services import create_workflow
from app.crm.deals.services.pipelines import default_pipeline
from app.crm.forms import intake
from app.crm.forms.models import FormSubmission
from app.crm.forms.services import create_form
from app.crm.leads.models import Lead, LeadStatus
from app.crm.leads.record import LEADS
from app.crm.tags.models import Tag
from app.crm.webhooks.services import create_subscription
from app.records.services import update_record

CAMPAIGNS = (
    {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "brand-refresh-q4", "gclid": "Cj0KCQiA"},
    {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "november-digest"},
    {"utm_source": "linkedin", "utm_medium": "social", "utm_campaign": "case-study-northwind"},
    {"referrer": "https://www.bing.com/"},
    {"utm_source": "facebook", "utm_medium": "paid_social", "utm_campaign": "black-friday", "fbclid": "IwAR2x"},
)
PEOPLE = (
    ("Amelia Brooks", "amelia@harbourline.example", "Harbourline Ferries"),
    ("Rafael Costa", "rafael@verdant.example", "Verdant Gardens"),
    ("Ingrid Holm", "ingrid@nordlys.example", "Nordlys Design"),
    ("Malik Johnson", "malik@keystone.example", "Keystone Builders"),
    ("Chen Wei", "chen@lotusapps.example", "Lotus Apps"),
    ("Fatima Zahra", "fatima@atlas-tours.example", "Atlas Tours"),
    ("Oliver Grant", "oliver@grantlaw.example", "Grant & Co Law"),
    ("Lucia Romero", "lucia@sierra.example", "Sierra Coffee Roasters"),
    ("Jakob Meyer", "jakob@meyerbikes.example", "Meyer Bikes"),
    ("Aisha Bello", "aisha@sunrise.example", "Sunrise Dental"),
)
AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15",
)
QUOTE_FIELDS = [
    {"label": "Your name", "maps_to": "name", "type": "text", "required": True},
    {"label": "Work email", "maps_to": "email", "type": "email", "required": True},
    {"label": "Company", "maps_to": "company_name", "type": "text"},
    {"label": "Phone", "maps_to": "phone", "type": "tel"},
    {"label": "What do you need?", "maps_to": "notes", "type": "textarea"},
]
NEWSLETTER_FIELDS = [
    {"label": "First name", "maps_to": "first_name", "type": "text"},
    {"label": "Email", "maps_to": "email", "type": "email", "required": True},
]


def seed_automation_demo(tenant) -> None:
    owner = get_demo_owner(unless_seeded=Workflow)
    if owner is None:
        return
    rng = random.Random(f"automation-{tenant.slug}")
    # New leads are shared out among the managers and sales people; the owner takes them alone.
    sellers = [str(user.id) for user in get_sellers() if user.role != Role.OWNER] or [str(owner.id)]
    quote = create_form(
        {
            "name": "Request a quote",
            "fields": QUOTE_FIELDS,
            "consents": [{"wording": "You may contact me about this request.", "required": True}],
            "submit_label": "Get my quote",
            "thank_you_message": "Thank you! A consultant will call you within one working day.",
            "allowed_origins": [f"https://www.{tenant.slug}.example"],
        },
        actor=owner,
    )
    newsletter = create_form(
        {
            "name": "Newsletter signup",
            "creates": "contact",
            "fields": NEWSLETTER_FIELDS,
            "consents": [
                {
                    "wording": "Send me the monthly newsletter. I can unsubscribe at any time.",
                    "channel": "email",
                    "required": True,
                }
            ],
            "submit_label": "Subscribe",
        },
        actor=owner,
    )
    _workflows(tenant, owner, sellers, quote, newsletter)
    _webhook(tenant, owner)
    _submissions(rng, quote, newsletter)
    _workshop(rng, owner)
    deliver_now("automations")
    _qualify_a_lead(quote, owner)
    deliver_now("automations")


def _qualify_a_lead(quote, owner) -> None:
    """The seller a quote request was routed to qualifies it: the follow-up workflow starts."""
    lead = db.session.scalar(
        select(Lead)
        .join(FormSubmission, tenant_join(FormSubmission.record_id, Lead.id))
        .where(FormSubmission.form_id == quote.id, Lead.status == LeadStatus.NEW)
        .order_by(FormSubmission.created_at, FormSubmission.id)
        .limit(1)
    )
    if lead is not None:
        update_record(LEADS, lead, {"status": LeadStatus.QUALIFIED}, actor=lead.owner or owner)


WORKSHOP_PEOPLE = (
    ("Noah", "Fischer", "noah@alpenhaus.example", CAMPAIGNS[2]),
    ("Priya", "Natarajan", "priya@monsoon-tea.example", CAMPAIGNS[0]),
)


def _workshop(rng, owner) -> None:
    """A contact form that also opens a deal (Qualification, 4,500), with two submissions whose
    deals carry the campaign that brought them."""

    pipeline = default_pipeline()
    stages = [stage for stage in pipeline.stages if stage.kind == "open"] if pipeline else []
    if len(stages) < 2:
        return
    workshop = create_form(
        {
            "name": "Book a strategy workshop",
            "creates": "contact",
            "fields": [
                {"label": "First name", "maps_to": "first_name", "type": "text", "required": True},
                {"label": "Last name", "maps_to": "last_name", "type": "text"},
                {"label": "Work email", "maps_to": "email", "type": "email", "required": True},
            ],
            "submit_label": "Book my workshop",
            "thank_you_message": "Thank you! We will propose three dates within two days.",
            "deal": {"stage_id": str(stages[1].id), "value": "4500"},
        },
        actor=owner,
    )
    _views(rng, workshop, 2, 9)
    for index, (first, last, email, campaign) in enumerate(WORKSHOP_PEOPLE):
        submission = FormSubmission(
            form_id=workshop.id,
            data={"first_name": first, "last_name": last, "email": email},
            email=email,
            attribution={**campaign, "landing_page": "https://www.example.com/workshops"},
            user_agent=AGENTS[index % len(AGENTS)],
            device=intake.device_of(AGENTS[index % len(AGENTS)]),
        )
        _take_as_it_came(workshop, submission, utcnow() - timedelta(days=2 + index * 3))


def _take_as_it_came(form, submission: FormSubmission, created) -> None:
    """Take a submission of `created` as the app did then: the record it makes, its timeline,
    the workflow run it starts and the notification it sends are all dated `created`."""
    with clock_set_to(created):
        submission.created_at = created
        intake.take_submission(form, submission)
        deliver_now("automations")


def _webhook(tenant, owner) -> None:
    """A disabled subscription to show the page; skipped where the SSRF guard cannot resolve
    the host (an offline machine): it refuses what it cannot check."""
    try:
        with db.session.begin_nested():
            create_subscription(
                {
                    "name": "Data warehouse sync",
                    "url": "https://hooks.zapier.com/hooks/catch/demo/",
                    "event_types": ["lead.*", "form.submitted"],
                    "is_active": False,
                },
                actor=owner,
            )
    except ValidationFailed:
        return


def _workflows(tenant, owner, sellers, quote, newsletter) -> None:
    hot = db.session.scalar(select(Tag).where(Tag.name == "Hot"))
    newsletter_tag = db.session.scalar(select(Tag).where(Tag.name == "Newsletter"))
    routing_steps = [
        {"type": "assign_owner", "params": {"user_ids": sellers}},
        {
            "type": "branch",
            "params": {"match": "any", "rules": [{"field": "source", "op": "equals", "value": "paid_ads"}]},
            "then": [{"type": "add_tag", "params": {"tag_id": str(hot.id)}}] if hot else [],
            "else": [],
        },
        {
            "type": "notify",
            "params": {
                "recipients": "owner_of_record",
                "message": "A new quote request is yours: call within the hour.",
            },
        },
    ]
    create_workflow(
        {
            "name": "Route quote requests",
            "description": "Round robin over the sales team; paid-ads leads are tagged Hot.",
            "trigger": {"type": "form_submitted", "form_id": str(quote.id), "record_type": "lead"},
            "steps": routing_steps,
            "is_active": True,
        },
        actor=owner,
    )
    create_workflow(
        {
            "name": "Qualified lead follow-up",
            "description": "Two days after a lead is qualified, remind its owner to send the proposal.",
            "trigger": {"type": "field_changed", "record_type": "lead", "field": "status", "value": "qualified"},
            "steps": [
                {"type": "create_note", "params": {"body": "Qualified: proposal due within two days."}},
                {"type": "wait", "params": {"amount": 2, "unit": "days"}},
                {
                    "type": "notify",
                    "params": {"recipients": "owner_of_record", "message": "Has the proposal gone out?"},
                },
            ],
            "is_active": True,
        },
        actor=owner,
    )
    create_workflow(
        {
            "name": "Won deal onboarding",
            "description": "A kick-off task for the deal's owner the moment a deal is won.",
            "trigger": {"type": "event", "event": "deal.won"},
            "steps": [
                {
                    "type": "create_task",
                    "params": {"title": "Book the kick-off meeting", "due_in_days": 2, "assignee": "owner_of_record"},
                },
                {
                    "type": "notify",
                    "params": {"recipients": "manager", "message": "A deal was won: plan the onboarding."},
                },
            ],
            "is_active": True,
        },
        actor=owner,
    )
    if newsletter_tag:
        create_workflow(
            {
                "name": "Tag newsletter subscribers",
                "trigger": {"type": "form_submitted", "form_id": str(newsletter.id), "record_type": "contact"},
                "conditions": {
                    "match": "all",
                    "rules": [{"field": "lifecycle_stage", "op": "is_not_empty", "value": ""}],
                },
                "steps": [{"type": "add_tag", "params": {"tag_id": str(newsletter_tag.id)}}],
                "is_active": True,
            },
            actor=owner,
        )


def _views(rng, form, low: int, high: int) -> None:
    """A month of daily page views, counted as the public page counts them."""
    today = utcnow()
    for days_ago in range(29, -1, -1):
        intake.count(form, views=rng.randint(low, high), day=(today - timedelta(days=days_ago)).date())


def _submissions(rng, quote, newsletter) -> None:
    today = utcnow()
    _views(rng, quote, 18, 60)
    _views(rng, newsletter, 10, 35)
    arrivals = []
    for index, (name, email, company) in enumerate(PEOPLE):
        campaign = CAMPAIGNS[index % len(CAMPAIGNS)]
        form = quote if index % 3 else newsletter
        created = today - timedelta(days=rng.randint(0, 28), hours=rng.randint(0, 20))
        if form is quote:
            data = {
                "name": name,
                "email": email,
                "company_name": company,
                "notes": "Looking for a retainer from January.",
            }
            consents = [{"wording": quote.consents[0]["wording"], "channel": "", "given": True}]
        else:
            data = {"first_name": name.split()[0], "email": email}
            consents = [{"wording": newsletter.consents[0]["wording"], "channel": "email", "given": True}]
        agent = AGENTS[index % len(AGENTS)]
        submission = FormSubmission(
            form_id=form.id,
            data=data,
            consents=consents,
            email=email,
            attribution={**campaign, "landing_page": f"https://www.example.com/services?ref={index}"},
            ip_address=f"203.0.113.{10 + index}",
            user_agent=agent,
            device=intake.device_of(agent),
        )
        arrivals.append((created, form, submission))
    for created, form, submission in sorted(arrivals, key=lambda arrival: arrival[0]):
        _take_as_it_came(form, submission, created)
    spam = FormSubmission(
        form_id=quote.id,
        status="spam",
        data={"name": "Cheap SEO", "website_url": "http://spam.example"},
        ip_address="198.51.100.7",
        user_agent="python-requests/2.31",
        device="bot",
        created_at=today - timedelta(days=3),
    )
    db.session.add(spam)
    db.session.flush()
