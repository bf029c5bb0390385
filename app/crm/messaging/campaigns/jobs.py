"""The per-tenant jobs of a campaign: its scheduled start, and a throttled minute of sending
every minute (recipients queued on the first, the plan's meter checked before each batch)."""

import time
from datetime import datetime

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy.orm import selectinload

from app.core.context import require_tenant_id
from app.core.extensions import db
from app.core.ids import parse_uuid, uuid7
from app.core.transactions import commit_and_deliver
from app.core.types import utcnow
from app.crm.contacts.models import Consent, Contact
from app.crm.messaging import consent, templating
from app.crm.messaging.campaigns.audiences import audience_statement, channel_addresses
from app.crm.messaging.campaigns.services import SEND_JOB, schedule_batches
from app.crm.messaging.models import Campaign, CampaignStatus, Channel, Message, MessageStatus
from app.crm.messaging.sending import METERS, Composer, get_settings, hand_to_outbox, sender
from app.jobs.tenant_jobs import cancel_tenant_job
from app.notifications.models import NotificationKind
from app.notifications.services import notify, tenant_link
from app.plans.services import entitlements, increment_meter, remaining_under_lock
from app.tenants.models import Tenant

INSERT_CHUNK = 5_000


def start_campaign(campaign_id) -> dict:
    """The scheduled moment has come (per-tenant job)."""
    campaign = db.session.get(Campaign, (require_tenant_id(), parse_uuid(campaign_id)))
    if campaign is None or campaign.status != CampaignStatus.SCHEDULED:
        return {"skipped": True}
    if audience_statement(campaign) is None:
        return _back_to_draft(campaign)
    campaign.status = CampaignStatus.SENDING
    schedule_batches(require_tenant_id(), campaign)
    return {"started": str(campaign.id)}


def _back_to_draft(campaign: Campaign) -> dict:
    """Its tag or saved view was deleted while it waited (a segment is kept, see audiences): it
    went out to nobody and said "Sent". It goes back to a draft, whose page says the audience
    is gone, and whoever made it hears why it did not start."""
    campaign.status = CampaignStatus.DRAFT
    if campaign.created_by_id is not None:
        notify(
            campaign.created_by_id,
            NotificationKind.CAMPAIGN,
            f"“{campaign.name}” did not start",
            body=f"Its audience, “{campaign.audience_label}”, was deleted. Choose another and start it again.",
            url=tenant_link("messaging.campaign", campaign_id=campaign.id),
        )
    return {"back_to_draft": str(campaign.id)}


def materialize_recipients(campaign: Campaign, now: datetime | None = None) -> int:
    """One message row per audience contact (waiting, or blocked with the reason), in chunks;
    the campaign starts `now` (the clock of the batch that queues them)."""
    statement = audience_statement(campaign)
    tenant_id = require_tenant_id()
    channel = campaign.channel
    contact_ids = select(statement.subquery().c.id) if statement is not None else None
    addresses: dict = {}
    if contact_ids is not None:
        child, owner, address_column = channel_addresses(channel)
        # The first address of each contact: its primary email, else the first by position.
        first = (child.is_primary.desc(),) if channel == Channel.EMAIL else ()
        rows = db.session.execute(
            select(owner, address_column).where(owner.in_(contact_ids)).order_by(owner, *first, child.position)
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
    now = now or utcnow()
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


def send_campaign_minute(campaign_id, now: datetime | None = None) -> dict:
    """The per-tenant job, every minute while a campaign sends: up to its `throttle_per_minute`
    messages, in batches of MESSAGING_BATCH_SIZE. Each batch commits and is handed to the
    provider before the next is read, so a failure loses no batch already sent and repeats none;
    after CAMPAIGN_RUN_SECONDS the next minute's run goes on."""
    deadline = time.monotonic() + current_app.config["CAMPAIGN_RUN_SECONDS"]
    totals: dict = {"handed": 0, "batches": 0}
    while True:
        result = run_campaign_batch(campaign_id, now, handed_this_minute=totals["handed"])
        commit_and_deliver()
        totals["batches"] += 1
        for key, value in result.items():
            totals[key] = totals.get(key, 0) + value if key in ("handed", "deferred", "blocked") else value
        ended = {"stopped", "waiting", "finished", "throttled", "waiting_for_quiet_hours"} & result.keys()
        if ended or not result.get("handed") or time.monotonic() >= deadline:
            return totals


def run_campaign_batch(campaign_id, now: datetime | None = None, *, handed_this_minute: int = 0) -> dict:
    """One batch: at most MESSAGING_BATCH_SIZE messages, and no more than what is left of the
    campaign's throttle this minute."""
    now = now or utcnow()
    tenant_id = require_tenant_id()
    campaign = db.session.get(Campaign, (tenant_id, parse_uuid(campaign_id)), with_for_update=True)
    if campaign is None or campaign.status not in (CampaignStatus.SENDING, CampaignStatus.WAITING):
        cancel_tenant_job(tenant_id, SEND_JOB, campaign_id)
        return {"stopped": True}
    if campaign.started_at is None:
        materialize_recipients(campaign, now)
    meter = METERS[campaign.channel]
    remaining = remaining_under_lock(meter)
    tenant = db.session.get(Tenant, tenant_id)
    ent = entitlements(tenant)
    if campaign.channel == Channel.SMS and not ent.has_feature("sms"):
        return _wait(campaign, "SMS is not part of your plan: upgrade and resume.")
    batch_size = min(campaign.throttle_per_minute - handed_this_minute, current_app.config["MESSAGING_BATCH_SIZE"])
    if batch_size <= 0:
        return {"handed": 0, "throttled": True}
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
    refused = _refusals(messages, campaign.channel)
    settings = get_settings()
    identity = sender(settings, tenant)
    composer = Composer.from_template(campaign.template)
    handed = deferred = 0
    for message in messages:
        if message.id in refused:
            message.status, message.status_reason = MessageStatus.BLOCKED, refused[message.id][:300]
            continue
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
    campaign.skipped_count = (campaign.skipped_count or 0) + len(refused)
    campaign.status = CampaignStatus.SENDING
    campaign.waiting_reason = ""
    result = {"handed": handed, "deferred": deferred}
    if handed_this_minute + handed >= campaign.throttle_per_minute:
        result["throttled"] = True  # this minute's allowance is used; the next run goes on
    if refused:
        result["blocked"] = len(refused)
    if len(messages) < take:
        result.update(_finish_if_done(campaign, now))
    return result


def _refusals(messages: list[Message], channel: str) -> dict:
    """Consent and suppression as they are now, not as they were when the recipients were queued
    (a contact may have unsubscribed while the campaign waited): {message id: reason}, with one
    query for the whole batch's suppressed addresses (the contacts are already loaded)."""
    suppressed = consent.suppressed_addresses(channel, [message.to_address for message in messages])
    refused = {}
    for message in messages:
        if message.contact is None:
            refused[message.id] = "The contact was deleted."
            continue
        on_list = consent.normalize_address(channel, message.to_address) in suppressed
        reason = consent.refusal(message.contact, channel, suppressed=on_list)
        if reason is not None:
            refused[message.id] = reason
    return refused


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
