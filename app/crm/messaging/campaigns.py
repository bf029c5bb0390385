"""Campaigns: one template to an audience (a tag list, a saved view, a segment), now or at a
scheduled time, in throttled batches run as per-tenant jobs.

Before each batch the plan's monthly meter is checked under the tenant lock: what exceeds it
stays `waiting` (visible, and resumed by itself after an upgrade or at the next period) —
nothing is dropped. Recipients without consent, or suppressed, are kept as `blocked` so the
numbers add up.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, case, func, insert, select, update
from sqlalchemy.orm import selectinload

from app.auth.permissions import check_permission
from app.core.audit import record_audit
from app.core.context import require_tenant_id
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.core.ids import parse_uuid, uuid7
from app.core.lookups import get_or_404
from app.core.types import utcnow
from app.core.validation import Errors, check_known_keys, clean_text
from app.crm.contacts.models import Consent, Contact, ContactEmail, ContactPhone
from app.crm.messaging import consent, templating
from app.crm.messaging.models import Campaign, CampaignStatus, Channel, Message, MessageStatus, MessageTemplate
from app.crm.messaging.sending import METERS, Composer, get_settings, hand_to_outbox, sender
from app.jobs.tenant_jobs import cancel_tenant_job, schedule_tenant_job
from app.plans.services import check_feature, entitlements, increment_meter, remaining_under_lock
from app.tenants.models import Tenant

START_JOB = "campaign-start"
SEND_JOB = "campaign-send"
INSERT_CHUNK = 5_000


# ---------------------------------------------------------------------------- audiences


@dataclass(frozen=True)
class AudienceSource:
    """Where campaign recipients come from. `choices(actor)` lists [(ref, label)];
    `contact_ids(ref, actor)` is a SELECT of contact ids (None when the ref is unknown)."""

    kind: str
    label: str
    choices: Callable
    contact_ids: Callable


AUDIENCES: dict[str, AudienceSource] = {}


def register_audience(source: AudienceSource) -> None:
    """Other packages (segments) add their audiences here."""
    AUDIENCES[source.kind] = source


def _tag_choices(actor):
    from app.crm.tags.services import list_tags

    return [(str(tag.id), tag.name) for tag in list_tags()]


def _tagged_contacts(ref, actor):
    from app.crm.tags.models import Tag, record_tags

    tag = db.session.get(Tag, (require_tenant_id(), parse_uuid(ref))) if parse_uuid(ref) else None
    if tag is None:
        return None
    return (
        select(Contact.id)
        .join(record_tags, and_(record_tags.c.tenant_id == Contact.tenant_id, record_tags.c.record_id == Contact.id))
        .where(record_tags.c.tag_id == tag.id)
    )


def _view_choices(actor):
    from app.records.models import SavedView

    return [
        (str(view.id), view.name)
        for view in db.session.scalars(
            select(SavedView)
            .where(SavedView.record_type == "contact", SavedView.user_id == actor.id)
            .order_by(SavedView.name)
        )
    ]


def _view_contacts(ref, actor):
    from app.crm.contacts.record import CONTACTS
    from app.records.listing import filtered_statement
    from app.records.models import SavedView

    view = db.session.get(SavedView, (require_tenant_id(), parse_uuid(ref))) if parse_uuid(ref) else None
    if view is None or view.record_type != "contact":
        return None
    query = view.query or {}
    return filtered_statement(CONTACTS, search=query.get("q"), filters=query.get("filters"), columns=[Contact.id])


register_audience(AudienceSource("tag", "Contacts with a tag", _tag_choices, _tagged_contacts))
register_audience(AudienceSource("saved_view", "A saved view of contacts", _view_choices, _view_contacts))


def audience_options(actor) -> list[tuple[str, str]]:
    """("kind:ref", "Kind — name") for every audience the actor can pick."""
    return [
        (f"{source.kind}:{ref}", f"{source.label} — {label}")
        for source in AUDIENCES.values()
        for ref, label in source.choices(actor)
    ]


def _audience_statement(campaign: Campaign, actor=None):
    source = AUDIENCES.get(campaign.audience_kind)
    return source.contact_ids(campaign.audience_ref, actor) if source else None


# ---------------------------------------------------------------------------- editing


CAMPAIGN_KEYS = ("name", "template_id", "audience", "scheduled_at", "throttle_per_minute")


def get_campaign(campaign_id) -> Campaign:
    return get_or_404(Campaign, campaign_id)


def list_campaigns(limit: int = 100) -> list[Campaign]:
    return list(
        db.session.scalars(
            select(Campaign).options(selectinload(Campaign.template)).order_by(Campaign.created_at.desc()).limit(limit)
        )
    )


def _clean(data: dict, actor, campaign: Campaign | None) -> dict:
    check_known_keys(data, CAMPAIGN_KEYS)
    errors = Errors()
    cleaned = {}
    name = clean_text(data, "name", errors, max_length=120, required=campaign is None, label="Name")
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
            from zoneinfo import ZoneInfo

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
        try:
            throttle = int(data["throttle_per_minute"])
        except (TypeError, ValueError):
            throttle = 0
        if isinstance(data["throttle_per_minute"], bool) or not 1 <= throttle <= 100_000:
            errors.add("throttle_per_minute", "Give a number from 1 to 100,000.")
        else:
            cleaned["throttle_per_minute"] = throttle
    errors.raise_if_any()
    return cleaned


def create_campaign(data: dict, *, actor) -> Campaign:
    check_permission(actor, "campaigns.create")
    cleaned = _clean(data, actor, None)
    template = cleaned.pop("template")
    if template.channel == Channel.SMS:
        check_feature("sms")
    campaign = Campaign(
        channel=template.channel,
        template_id=template.id,
        created_by_id=getattr(getattr(actor, "user", actor), "id", None),
        **cleaned,
    )
    db.session.add(campaign)
    db.session.flush()
    record_audit("campaign.created", actor=actor, target=campaign, target_label=campaign.name)
    return campaign


def update_campaign(campaign: Campaign, data: dict, *, actor) -> Campaign:
    check_permission(actor, "campaigns.edit")
    if campaign.status != CampaignStatus.DRAFT:
        raise Conflict("Only a draft campaign can be changed.")
    cleaned = _clean(data, actor, campaign)
    template = cleaned.pop("template", None)
    if template is not None:
        campaign.template_id, campaign.channel = template.id, template.channel
    for key, value in cleaned.items():
        setattr(campaign, key, value)
    db.session.flush()
    return campaign


def delete_campaign(campaign: Campaign, *, actor) -> None:
    check_permission(actor, "campaigns.delete")
    if campaign.status in CampaignStatus.ACTIVE:
        raise Conflict("Cancel the campaign before deleting it.")
    record_audit("campaign.deleted", actor=actor, target=campaign, target_label=campaign.name)
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
    if _audience_statement(campaign, actor) is None:
        raise ValidationFailed("The audience is gone.", details={"audience": ["Choose who receives it."]})
    tenant_id = require_tenant_id()
    if campaign.scheduled_at is not None and campaign.scheduled_at > utcnow():
        campaign.status = CampaignStatus.SCHEDULED
        schedule_tenant_job(
            tenant_id,
            START_JOB,
            campaign.id,
            "app.crm.messaging.campaigns:start_campaign",
            "date",
            run_date=campaign.scheduled_at,
        )
    else:
        campaign.status = CampaignStatus.SENDING
        _schedule_batches(tenant_id, campaign)
    record_audit(
        "campaign.launched",
        actor=actor,
        target=campaign,
        target_label=campaign.name,
        details={"status": campaign.status},
    )
    db.session.flush()
    return campaign


def _schedule_batches(tenant_id, campaign: Campaign) -> None:
    # A batch a minute, the first right away; the job ends itself when nothing waits.
    schedule_tenant_job(
        tenant_id,
        SEND_JOB,
        campaign.id,
        "app.crm.messaging.campaigns:run_campaign_batch",
        "interval",
        minutes=1,
        start_date=utcnow(),
    )


def start_campaign(campaign_id) -> dict:
    """The scheduled moment has come (per-tenant job)."""
    campaign = db.session.get(Campaign, (require_tenant_id(), parse_uuid(campaign_id)))
    if campaign is None or campaign.status != CampaignStatus.SCHEDULED:
        return {"skipped": True}
    campaign.status = CampaignStatus.SENDING
    _schedule_batches(require_tenant_id(), campaign)
    return {"started": str(campaign.id)}


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
    record_audit(
        "campaign.canceled",
        actor=actor,
        target=campaign,
        target_label=campaign.name,
        details={"not_sent": result.rowcount},
    )
    db.session.flush()
    return result.rowcount


def resume_campaign(campaign: Campaign, *, actor) -> Campaign:
    """After an upgrade: try the waiting messages now instead of at the next check."""
    check_permission(actor, "campaigns.edit")
    if campaign.status != CampaignStatus.WAITING:
        raise Conflict("Only a campaign waiting for allowance can be resumed.")
    campaign.status = CampaignStatus.SENDING
    campaign.waiting_reason = ""
    _schedule_batches(require_tenant_id(), campaign)
    db.session.flush()
    return campaign


# ---------------------------------------------------------------------------- sending


def materialize_recipients(campaign: Campaign) -> int:
    """One message row per audience contact (waiting, or blocked with the reason), in chunks."""
    statement = _audience_statement(campaign)
    tenant_id = require_tenant_id()
    channel = campaign.channel
    contact_ids = select(statement.subquery().c.id) if statement is not None else None
    addresses: dict = {}
    if contact_ids is not None:
        if channel == Channel.EMAIL:
            rows = db.session.execute(
                select(ContactEmail.contact_id, ContactEmail.email)
                .where(ContactEmail.contact_id.in_(contact_ids))
                .order_by(ContactEmail.contact_id, ContactEmail.is_primary.desc(), ContactEmail.position)
            )
        else:
            rows = db.session.execute(
                select(ContactPhone.contact_id, ContactPhone.number)
                .where(ContactPhone.contact_id.in_(contact_ids))
                .order_by(ContactPhone.contact_id, ContactPhone.position)
            )
        for contact_id, address in rows:
            addresses.setdefault(contact_id, address)
        consents = dict(
            db.session.execute(
                select(Contact.id, getattr(Contact, f"{channel}_consent"))
                .where(Contact.id.in_(contact_ids))
                .order_by(Contact.id)
            ).all()
        )
    else:
        consents = {}
    suppressed = consent.suppressed_addresses(channel, addresses.values())
    now = utcnow()
    rows, blocked = [], 0
    for contact_id, status in consents.items():
        address = addresses.get(contact_id)
        reason = ""
        if not address:
            reason = "No email address." if channel == Channel.EMAIL else "No phone number."
        elif status != Consent.GRANTED:
            reason = "No consent for this channel."
        elif consent.normalize_address(channel, address) in suppressed:
            reason = "On the suppression list."
        blocked += bool(reason)
        rows.append(
            {
                "tenant_id": tenant_id,
                "id": uuid7(),
                "channel": channel,
                "direction": "outbound",
                "contact_id": contact_id,
                "campaign_id": campaign.id,
                "template_id": campaign.template_id,
                "to_address": (address or "")[:254],
                "status": MessageStatus.BLOCKED if reason else MessageStatus.WAITING,
                "status_reason": reason,
                "created_at": now,
                "updated_at": now,
            }
        )
    for start in range(0, len(rows), INSERT_CHUNK):
        db.session.execute(insert(Message), rows[start : start + INSERT_CHUNK])
    campaign.recipient_count = len(rows)
    campaign.skipped_count = blocked
    campaign.started_at = now
    return len(rows)


def run_campaign_batch(campaign_id, now: datetime | None = None) -> dict:
    """One throttled batch (per-tenant job, every minute while the campaign sends)."""
    now = now or utcnow()
    tenant_id = require_tenant_id()
    campaign = db.session.get(Campaign, (tenant_id, parse_uuid(campaign_id)), with_for_update=True)
    if campaign is None or campaign.status not in (CampaignStatus.SENDING, CampaignStatus.WAITING):
        cancel_tenant_job(tenant_id, SEND_JOB, campaign_id)
        return {"stopped": True}
    if campaign.started_at is None:
        materialize_recipients(campaign)
    meter = METERS[campaign.channel]
    remaining = remaining_under_lock(meter)
    tenant = db.session.get(Tenant, tenant_id)
    ent = entitlements(tenant)
    if campaign.channel == Channel.SMS and not ent.has_feature("sms"):
        return _wait(campaign, "SMS is not part of your plan: upgrade and resume.")
    batch_size = min(campaign.throttle_per_minute, current_app.config["MESSAGING_BATCH_SIZE"])
    take = batch_size if remaining is None else min(batch_size, remaining)
    due = (Message.campaign_id == campaign.id, Message.status == MessageStatus.WAITING)
    ready = (*due, (Message.send_after.is_(None)) | (Message.send_after <= now))
    if take <= 0:
        if db.session.scalar(select(Message.id).where(*ready).limit(1)) is None:
            return _finish_if_done(campaign, now)
        limit = ent.limit(meter)
        return _wait(
            campaign,
            f"Your plan's {limit:,} {'emails' if campaign.channel == Channel.EMAIL else 'SMS'} this month are used up. "
            "The rest waits: upgrade and resume, or it continues when the next month starts.",
        )
    messages = list(
        db.session.scalars(
            select(Message)
            .where(*ready)
            .order_by(Message.id)
            .limit(take)
            .options(
                selectinload(Message.contact).selectinload(Contact.emails),
                selectinload(Message.contact).selectinload(Contact.phones),
                selectinload(Message.contact).selectinload(Contact.company),
                selectinload(Message.contact).selectinload(Contact.owner),
            )
        )
    )
    settings = get_settings()
    identity = sender(settings, tenant)
    composer = Composer.from_template(campaign.template)
    handed = deferred = 0
    for message in messages:
        if campaign.channel == Channel.SMS:
            resume_at = consent.quiet_hours_end(message.to_address, settings, tenant.timezone or "UTC", now)
            if resume_at is not None:
                message.send_after = resume_at
                message.status_reason = "Quiet hours for this number."
                deferred += 1
                continue
        content = composer.render(templating.merge_context(message.contact))
        message.subject, message.body_text, message.body_html = content["subject"], content["text"], content["html"]
        if campaign.channel == Channel.SMS:
            message.segments = templating.sms_segments(content["text"])["segments"]
        hand_to_outbox(message, tenant, identity)
        handed += 1
    if handed:
        increment_meter(meter, handed)
    campaign.status = CampaignStatus.SENDING
    campaign.waiting_reason = ""
    result = {"handed": handed, "deferred": deferred}
    if len(messages) < take:
        result.update(_finish_if_done(campaign, now))
    return result


def _wait(campaign: Campaign, reason: str) -> dict:
    campaign.status = CampaignStatus.WAITING
    campaign.waiting_reason = reason[:300]
    return {"waiting": True}


def _finish_if_done(campaign: Campaign, now) -> dict:
    left = db.session.scalar(
        select(func.count(Message.id)).where(
            Message.campaign_id == campaign.id, Message.status == MessageStatus.WAITING
        )
    )
    if left:
        return {"waiting_for_quiet_hours": left}
    campaign.status = CampaignStatus.SENT
    campaign.finished_at = now
    cancel_tenant_job(require_tenant_id(), SEND_JOB, campaign.id)
    return {"finished": True}


# ---------------------------------------------------------------------------- results


def campaign_stats(campaign_ids) -> dict:
    """{campaign id: counts} for many campaigns in one grouped query."""
    ids = list(campaign_ids)
    if not ids:
        return {}

    def count_if(condition):
        return func.sum(case((condition, 1), else_=0))

    rows = db.session.execute(
        select(
            Message.campaign_id,
            func.count(Message.id),
            count_if(Message.sent_at.is_not(None)),
            count_if(Message.delivered_at.is_not(None)),
            count_if(Message.opened_at.is_not(None)),
            count_if(Message.clicked_at.is_not(None)),
            count_if(Message.bounced_at.is_not(None)),
            count_if(Message.unsubscribed_at.is_not(None)),
            count_if(Message.status == MessageStatus.FAILED),
            count_if(Message.status == MessageStatus.WAITING),
            count_if(Message.status == MessageStatus.QUEUED),
            count_if(Message.status == MessageStatus.BLOCKED),
            count_if(Message.status == MessageStatus.CANCELED),
        )
        .where(Message.campaign_id.in_(ids))
        .group_by(Message.campaign_id)
    )
    keys = (
        "recipients",
        "sent",
        "delivered",
        "opened",
        "clicked",
        "bounced",
        "unsubscribed",
        "failed",
        "waiting",
        "queued",
        "blocked",
        "canceled",
    )
    result = {campaign_id: dict.fromkeys(keys, 0) for campaign_id in ids}
    for campaign_id, *values in rows:
        result[campaign_id] = {key: int(value or 0) for key, value in zip(keys, values, strict=True)}
    for stats in result.values():
        base = stats["sent"] or 0
        stats["progress"] = (
            0
            if not stats["recipients"]
            else round(100 * (stats["recipients"] - stats["waiting"] - stats["queued"]) / stats["recipients"])
        )
        stats["open_rate"] = round(100 * stats["opened"] / base, 1) if base else 0.0
        stats["click_rate"] = round(100 * stats["clicked"] / base, 1) if base else 0.0
    return result


def stats_chart(stats: dict) -> dict:
    """The funnel chart of a campaign's results (Chart.js, via charts.js's data-chart)."""
    labels = ["Sent", "Delivered", "Opened", "Clicked", "Bounced", "Unsubscribed"]
    return {
        "type": "bar",
        "labels": labels,
        "datasets": [{"label": "Recipients", "values": [stats[key.lower()] for key in labels]}],
    }


def campaign_messages(campaign: Campaign, *, status: str | None = None, cursor=None, limit: int = 50):
    from app.core.pagination import Sort, sorted_page

    stmt = select(Message).where(Message.campaign_id == campaign.id).options(selectinload(Message.contact))
    if status:
        stmt = stmt.where(Message.status == status)
    return sorted_page(db.session, stmt, Message, Sort("id", Message.id, False, "Oldest first"), cursor, limit)
