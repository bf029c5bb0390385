"""Who a campaign goes to: audience sources (a tag list, a saved view of contacts; other
packages register theirs, segments say) and the SELECT of contact ids each resolves to."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select

from app.auth.permissions import can
from app.core.context import require_tenant_id
from app.core.errors import Conflict
from app.core.extensions import db
from app.core.ids import parse_uuid
from app.crm.contacts.models import Consent, Contact, ContactEmail, ContactPhone
from app.crm.contacts.record import CONTACTS
from app.crm.messaging.models import Campaign, CampaignStatus, Channel, Suppression
from app.crm.segments.models import Segment
from app.crm.segments.services import list_segments, segment_condition
from app.crm.tags.models import Tag, tagged_ids
from app.crm.tags.services import list_tags
from app.records.listing import filtered_statement
from app.records.models import SavedView


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
    return [(str(tag.id), tag.name) for tag in list_tags()]


def _tagged_contacts(ref, actor):
    tag = db.session.get(Tag, (require_tenant_id(), parse_uuid(ref))) if parse_uuid(ref) else None
    if tag is None:
        return None
    return select(Contact.id).where(Contact.id.in_(tagged_ids("contact", tag.id)))


def _view_choices(actor):
    return [
        (str(view.id), view.name)
        for view in db.session.scalars(
            select(SavedView)
            .where(SavedView.record_type == "contact", SavedView.user_id == actor.id)
            .order_by(SavedView.name)
        )
    ]


def _view_contacts(ref, actor):
    view = db.session.get(SavedView, (require_tenant_id(), parse_uuid(ref))) if parse_uuid(ref) else None
    if view is None or view.record_type != "contact":
        return None
    query = view.query or {}
    return filtered_statement(CONTACTS, search=query.get("q"), filters=query.get("filters"), columns=[Contact.id])


def _segment_choices(actor):
    if not can(actor, "segments.view"):
        return []
    return [(str(segment.id), segment.name) for segment in list_segments(actor=actor, record_type="contact")]


def _segment_contacts(ref, actor):
    """The segment's contacts when the batch runs (a job has no actor: "me" in a rule is the
    segment's creator)."""

    segment = db.session.get(Segment, (require_tenant_id(), parse_uuid(ref))) if parse_uuid(ref) else None
    if segment is None or segment.record_type != "contact":
        return None
    return select(Contact.id).where(segment_condition(segment, actor=actor))


register_audience(AudienceSource("segment", "Segment", _segment_choices, _segment_contacts))


def keep_segments_of_scheduled_campaigns(segment: Segment) -> None:
    """A segment a scheduled campaign goes to is kept (409) until that campaign is canceled:
    deleted, the campaign would start with no audience and send to nobody. (A started campaign
    has its recipients already.)"""
    names = sorted(
        db.session.scalars(
            select(Campaign.name).where(
                Campaign.audience_kind == "segment",
                Campaign.audience_ref == str(segment.id),
                Campaign.status == CampaignStatus.SCHEDULED,
            )
        )
    )
    if len(names) == 1:
        raise Conflict(
            f"The campaign “{names[0]}” is scheduled to go to this segment: cancel it before deleting the segment."
        )
    if names:
        raise Conflict(
            f"The campaigns {', '.join(f'“{name}”' for name in names)} are scheduled to go to this segment: "
            "cancel them before deleting the segment."
        )


register_audience(AudienceSource("tag", "Contacts with a tag", _tag_choices, _tagged_contacts))
register_audience(AudienceSource("saved_view", "A saved view of contacts", _view_choices, _view_contacts))


def audience_options(actor) -> list[tuple[str, str]]:
    """("kind:ref", "Kind — name") for every audience the actor can pick."""
    return [
        (f"{source.kind}:{ref}", f"{source.label} — {label}")
        for source in AUDIENCES.values()
        for ref, label in source.choices(actor)
    ]


def audience_statement(campaign: Campaign, actor=None):
    source = AUDIENCES.get(campaign.audience_kind)
    return source.contact_ids(campaign.audience_ref, actor) if source else None


@dataclass(frozen=True)
class Reach:
    """How many contacts the audience holds now, and how many of them a message would go to:
    consent for the channel and an address for it that is not on the suppression list."""

    audience: int
    reachable: int

    @property
    def skipped(self) -> int:
        return self.audience - self.reachable


def channel_addresses(channel: str) -> tuple:
    """(table, its contact column, its address column) of a channel's addresses: a contact's
    emails, or its phone numbers for SMS."""
    if channel == Channel.EMAIL:
        return ContactEmail, ContactEmail.contact_id, ContactEmail.email
    return ContactPhone, ContactPhone.contact_id, ContactPhone.number


def audience_reach(campaign: Campaign, actor=None) -> Reach | None:
    """The campaign's reach if it started now (None: its audience is gone), counted in SQL as
    the start counts it row by row, so a draft's page can say it before anything is sent."""
    statement = audience_statement(campaign, actor)
    if statement is None:
        return None
    contact_ids = select(statement.subquery().c.id)
    child, owner, address = channel_addresses(campaign.channel)
    suppressed = exists().where(
        Suppression.tenant_id == child.tenant_id,
        Suppression.channel == campaign.channel,
        Suppression.address == address,
    )
    has_address = exists().where(child.tenant_id == Contact.tenant_id, owner == Contact.id, ~suppressed)
    consented = getattr(Contact, f"{campaign.channel}_consent") == Consent.GRANTED
    row = db.session.execute(
        select(func.count(), func.count().filter(and_(consented, has_address))).where(Contact.id.in_(contact_ids))
    ).one()
    return Reach(audience=row[0], reachable=row[1])
