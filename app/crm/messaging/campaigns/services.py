"""Campaign drafts, and starting, canceling and resuming them (the jobs do the sending)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.auth.permissions import check_permission
from app.core.context import require_tenant_id
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.core.lookups import get_or_404
from app.core.newest_first import newest_first_page
from app.core.pagination import Page
from app.core.types import utcnow
from app.core.validation import Errors, check_known_keys, clean_text
from app.crm.messaging.audit import record_messaging_audit
from app.crm.messaging.campaigns.audiences import AUDIENCES, audience_statement
from app.crm.messaging.cleaning import clean_whole_number
from app.crm.messaging.models import Campaign, CampaignStatus, Channel, Message, MessageStatus, MessageTemplate
from app.jobs.tenant_jobs import cancel_tenant_job, schedule_tenant_job
from app.plans.services import check_feature
from app.records.setting_services import add_audited, creator_id
from app.tenants.models import Tenant

START_JOB = "campaign-start"
SEND_JOB = "campaign-send"


CAMPAIGN_KEYS = ("name", "template_id", "audience", "scheduled_at", "throttle_per_minute")


def get_campaign(campaign_id) -> Campaign:
    return get_or_404(Campaign, campaign_id)


def list_campaigns(*, cursor: str | None = None, limit: int = 50) -> Page:
    """A page of campaigns, newest first."""
    stmt = select(Campaign).options(selectinload(Campaign.template))
    return newest_first_page(stmt, by=Campaign.created_at, cursor=cursor, limit=limit)


def _clean(data: dict, actor, campaign: Campaign | None) -> dict:
    check_known_keys(data, CAMPAIGN_KEYS)
    errors = Errors()
    cleaned = {}
    # A change may leave the name out, but may not blank it.
    required = campaign is None or "name" in data
    name = clean_text(data, "name", errors, max_length=120, required=required, label="Name")
    if name is not None:
        cleaned["name"] = name
    if "template_id" in data or campaign is None:
        template = (
            db.session.get(MessageTemplate, (require_tenant_id(), parse_uuid(data.get("template_id"))))
            if parse_uuid(data.get("template_id"))
            else None
        )
        if template is None:
            errors.add("template_id", "Choose a template.")
        else:
            cleaned["template"] = template
    if "audience" in data or campaign is None:
        kind, _, ref = str(data.get("audience") or "").partition(":")
        source = AUDIENCES.get(kind)
        label = dict(source.choices(actor)).get(ref) if source else None
        if label is None:
            errors.add("audience", "Choose who receives it.")
        else:
            cleaned.update(audience_kind=kind, audience_ref=ref, audience_label=f"{source.label} — {label}"[:200])
    if data.get("scheduled_at") not in (None, ""):
        value = data["scheduled_at"]
        try:
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is None:
            tenant = db.session.get(Tenant, require_tenant_id())
            moment = moment.replace(tzinfo=ZoneInfo(tenant.timezone or "UTC"))
        if moment is None:
            errors.add("scheduled_at", "Use a date and time like 2026-01-31T09:00.")
        elif moment <= utcnow():
            errors.add("scheduled_at", "Choose a time in the future (or send now).")
        else:
            cleaned["scheduled_at"] = moment
    elif "scheduled_at" in data:
        cleaned["scheduled_at"] = None
    if data.get("throttle_per_minute") not in (None, ""):
        throttle = clean_whole_number(
            data, "throttle_per_minute", errors, low=1, high=100_000, message="Give a number from 1 to 100,000."
        )
        if throttle is not None:
            cleaned["throttle_per_minute"] = throttle
    errors.raise_if_any()
    return cleaned


def create_campaign(data: dict, *, actor) -> Campaign:
    check_permission(actor, "campaigns.create")
    cleaned = _clean(data, actor, None)
    template = cleaned.pop("template")
    if template.channel == Channel.SMS:
        check_feature("sms")
    campaign = Campaign(channel=template.channel, template_id=template.id, created_by_id=creator_id(actor), **cleaned)
    add_audited(campaign, "campaign.created", actor=actor)
    return campaign


def campaign_values(campaign: Campaign) -> dict:
    """A draft's settings as its form shows them: the send time in the agency's time zone."""
    scheduled = None
    if campaign.scheduled_at is not None:
        tenant = db.session.get(Tenant, require_tenant_id())
        scheduled = campaign.scheduled_at.astimezone(ZoneInfo(tenant.timezone or "UTC")).replace(tzinfo=None)
    return {
        "name": campaign.name,
        "template_id": str(campaign.template_id) if campaign.template_id else "",
        "audience": f"{campaign.audience_kind}:{campaign.audience_ref}",
        "scheduled_at": scheduled,
        "throttle_per_minute": campaign.throttle_per_minute,
    }


def update_campaign(campaign: Campaign, data: dict, *, actor) -> Campaign:
    check_permission(actor, "campaigns.edit")
    if campaign.status != CampaignStatus.DRAFT:
        raise Conflict("Only a draft campaign can be changed.")
    cleaned = _clean(data, actor, campaign)
    template = cleaned.pop("template", None)
    if template is not None:
        if template.channel == Channel.SMS:
            check_feature("sms")
        campaign.template_id, campaign.channel = template.id, template.channel
    for key, value in cleaned.items():
        setattr(campaign, key, value)
    record_messaging_audit("campaign.updated", campaign, actor=actor)
    db.session.flush()
    return campaign


def delete_campaign(campaign: Campaign, *, actor) -> None:
    check_permission(actor, "campaigns.delete")
    if campaign.status in CampaignStatus.ACTIVE:
        raise Conflict("Cancel the campaign before deleting it.")
    record_messaging_audit("campaign.deleted", campaign, actor=actor)
    db.session.delete(campaign)
    db.session.flush()


# ---------------------------------------------------------------------------- launching


def launch_campaign(campaign: Campaign, *, actor) -> Campaign:
    """Send now, or at `scheduled_at`: a per-tenant job does the work either way."""
    check_permission(actor, "campaigns.edit")
    if campaign.status != CampaignStatus.DRAFT:
        raise Conflict("This campaign has already been started.")
    if campaign.channel == Channel.SMS:
        check_feature("sms")
    if audience_statement(campaign, actor) is None:
        raise ValidationFailed("The audience is gone.", details={"audience": ["Choose who receives it."]})
    tenant_id = require_tenant_id()
    if campaign.scheduled_at is not None and campaign.scheduled_at > utcnow():
        campaign.status = CampaignStatus.SCHEDULED
        schedule_tenant_job(
            tenant_id,
            START_JOB,
            campaign.id,
            "app.crm.messaging.campaigns.jobs:start_campaign",
            "date",
            run_date=campaign.scheduled_at,
            # Missed during an outage it still starts, late: dropped, it would stay "Scheduled".
            late_runs=True,
        )
    else:
        campaign.status = CampaignStatus.SENDING
        schedule_batches(tenant_id, campaign)
    record_messaging_audit("campaign.launched", campaign, actor=actor, details={"status": campaign.status})
    db.session.flush()
    return campaign


def schedule_batches(tenant_id, campaign: Campaign) -> None:
    # A throttled minute of sending every minute, the first right away; the job ends itself
    # when nothing waits.
    schedule_tenant_job(
        tenant_id,
        SEND_JOB,
        campaign.id,
        "app.crm.messaging.campaigns.jobs:send_campaign_minute",
        "interval",
        minutes=1,
        start_date=utcnow(),
    )


def cancel_campaign(campaign: Campaign, *, actor) -> int:
    """Stop: what has not been handed to the provider yet is canceled (and not counted)."""
    check_permission(actor, "campaigns.edit")
    if campaign.status not in CampaignStatus.ACTIVE:
        raise Conflict("Only a scheduled or sending campaign can be canceled.")
    tenant_id = require_tenant_id()
    cancel_tenant_job(tenant_id, START_JOB, campaign.id)
    cancel_tenant_job(tenant_id, SEND_JOB, campaign.id)
    result = db.session.execute(
        update(Message)
        .where(Message.campaign_id == campaign.id, Message.status == MessageStatus.WAITING)
        .values(status=MessageStatus.CANCELED, status_reason="The campaign was canceled.")
        .execution_options(synchronize_session=False)
    )
    campaign.status = CampaignStatus.CANCELED
    campaign.finished_at = utcnow()
    record_messaging_audit("campaign.canceled", campaign, actor=actor, details={"not_sent": result.rowcount})
    db.session.flush()
    return result.rowcount


def resume_campaign(campaign: Campaign, *, actor) -> Campaign:
    """After an upgrade: try the waiting messages now instead of at the next check."""
    check_permission(actor, "campaigns.edit")
    if campaign.status != CampaignStatus.WAITING:
        raise Conflict("Only a campaign waiting for allowance can be resumed.")
    campaign.status = CampaignStatus.SENDING
    campaign.waiting_reason = ""
    schedule_batches(require_tenant_id(), campaign)
    db.session.flush()
    return campaign
