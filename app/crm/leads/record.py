"""Leads, declared once: prospects with a status, a score and a speed-to-lead timer."""

from decimal import Decimal

from sqlalchemy import and_, func, select

from app.core.context import require_tenant_id
from app.core.extensions import db
from app.core.types import utcnow
from app.crm.activities.capability import NOTES, TIMELINE
from app.crm.activities.models import Activity, ActivityType, Direction, activity_links
from app.crm.attachments.capability import ATTACHMENTS
from app.crm.fields.capability import CUSTOM_FIELDS
from app.crm.leads.models import Lead, LeadSource, LeadStatus
from app.crm.leads.scoring import compute_score, score_breakdown
from app.crm.tags.capability import TAGS
from app.records import fields as f
from app.records.capabilities import Column, Panel
from app.records.normalize import parse_bool
from app.records.owner import OWNER
from app.records.record_type import ListFilter, RecordType
from app.records.status_change import change_status_action

MAX_VALUE = Decimal("999999999999.99")


def _linked(lead_id):
    return and_(
        activity_links.c.tenant_id == require_tenant_id(),
        activity_links.c.record_id == lead_id,
        Activity.tenant_id == activity_links.c.tenant_id,
        Activity.id == activity_links.c.activity_id,
    )


def activity_count(lead: Lead) -> int:
    """Activities logged on the lead (system events do not count)."""
    if lead.id is None:
        return 0
    return db.session.scalar(
        select(func.count())
        .select_from(Activity)
        .join(activity_links, _linked(lead.id))
        .where(Activity.type != ActivityType.SYSTEM)
    )


def first_response_at(lead: Lead):
    return db.session.scalar(
        select(func.min(Activity.occurred_at))
        .join(activity_links, _linked(lead.id))
        .where(Activity.type.in_(ActivityType.RESPONSES), Activity.direction == Direction.OUTBOUND)
    )


def refresh_engagement(lead: Lead) -> None:
    """The score and the first response, from the lead's activities (two queries)."""
    lead.first_response_at = first_response_at(lead)
    lead.score = compute_score(lead, activity_count(lead))


def lead_score_breakdown(lead: Lead):
    return score_breakdown(lead, activity_count(lead))


class LeadType(RecordType):
    def check(self, cleaned, context):
        lead = context.record
        if "status" in cleaned:
            status = cleaned["status"]
            current = lead.status if lead is not None else None
            if status == LeadStatus.CONVERTED and current != LeadStatus.CONVERTED:
                context.errors.add("status", "Use Convert to turn a lead into a contact.")
            elif current == LeadStatus.CONVERTED and status != LeadStatus.CONVERTED:
                context.errors.add("status", "A converted lead stays converted.")
        status = cleaned.get("status", lead.status if lead else LeadStatus.NEW)
        reason = cleaned.get("lost_reason", lead.lost_reason if lead else "")
        if status == LeadStatus.LOST and not reason and not context.errors.has("status"):
            context.errors.add("lost_reason", "Say why the lead was lost.")

    def before_save(self, lead, cleaned, context):
        if lead.status != LeadStatus.LOST:
            lead.lost_reason = ""
        lead.score = compute_score(lead, activity_count(lead) if not context.creating else 0)

    def on_activity(self, lead, activity):
        refresh_engagement(lead)
        db.session.flush()

    def related(self, lead):
        return [
            (kind, value)
            for kind, value in (("contact", lead.converted_contact_id), ("company", lead.converted_company_id))
            if value
        ]


def _awaiting_response(value, errors):
    if parse_bool(value) is not True:
        errors.add("awaiting_response", "Use 1 to list leads nobody has answered yet.")
        return []
    return [Lead.first_response_at.is_(None), Lead.status.not_in((LeadStatus.CONVERTED, LeadStatus.LOST))]


def _score_panel(record_type, lead) -> dict:
    return {"lead": lead, "breakdown": lead_score_breakdown(lead), "now": utcnow()}


def _came_from(record_type, contact) -> dict:
    """The leads a contact was converted from (a panel on the contact's page)."""
    leads = list(
        db.session.scalars(select(Lead).where(Lead.converted_contact_id == contact.id).order_by(Lead.created_at))
    )
    return {"leads": leads}


# Lost needs a reason per lead, so it is set one lead at a time.
BULK_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


LEADS = LeadType(
    name="lead",
    about_a_person=True,
    model=Lead,
    icon="funnel",
    title="display_name",
    title_sort="name",
    subtitle=lambda lead: " at ".join(part for part in (lead.title, lead.company_name) if part) or lead.email,
    default_sort="-created_at",
    nav_order=30,
    description="Prospects: source, status, score (explained), speed to lead, conversion into contacts.",
    example={"name": "Grace Hopper", "email": "grace@example.com", "source": "referral"},
    fields=[
        f.Text("name", "Name", max_length=200, required=True, search=True, sort=True, detail=False),
        f.Email("email", "Email", search=True),
        f.Phone("phone", "Phone", search=True),
        f.Text("company_name", "Company", max_length=200, search=True),
        f.Text("title", "Job title", max_length=120),
        f.Choice("source", "Source", choices=LeadSource.LABELS, default="other", filter=True, list=True),
        f.Choice(
            "status",
            "Status",
            choices=LeadStatus.LABELS,
            default=LeadStatus.NEW,
            form_choices=LeadStatus.EDITABLE,
            filter=True,
            list_on_phones=True,
        ),
        f.Text(
            "lost_reason", "Why it was lost", max_length=500, help="Required when the status is Lost", hide_empty=True
        ),
        f.Money("estimated_value", "Estimated value", maximum=MAX_VALUE),
        f.Number(
            "score", "Score", read_only=True, sort=True, filter=True, list=True, detail=False, minimum=0, maximum=100
        ),
        f.LongText("notes", "Notes", hide_empty=True),
        f.DateTimeField("first_response_at", "First response", read_only=True, detail=False),
        f.DateTimeField("converted_at", "Converted", read_only=True, detail=False),
        f.Reference(
            "converted_contact_id",
            "Converted contact",
            to="contact",
            relation="converted_contact",
            read_only=True,
            detail=False,
        ),
        f.Reference(
            "converted_company_id",
            "Converted company",
            to="company",
            relation="converted_company",
            read_only=True,
            detail=False,
        ),
    ],
    capabilities=[OWNER, TAGS, CUSTOM_FIELDS, TIMELINE, NOTES, ATTACHMENTS],
    filters=[
        ListFilter(
            "awaiting_response",
            "'1': no outbound call, email, SMS or meeting yet",
            _awaiting_response,
            choices={"1": "Awaiting a response"},
            label="Response",
        )
    ],
    columns=[Column("speed", "Speed to lead", "crm/leads/_speed_cell.html", priority=3)],
    panels=[Panel("score", "crm/leads/_score_panel.html", _score_panel, order=1)],
    bulk_actions=[
        change_status_action(
            lambda: [(key, LeadStatus.LABELS[key]) for key in BULK_STATUSES],
            refusal="Choose new, contacted or qualified.",
            kept=(LeadStatus.CONVERTED,),
        ),
    ],
    templates={"show": "crm/leads/show.html"},
    contributes=[("contact", Panel("came_from", "crm/leads/_came_from.html", _came_from, order=70))],
)
