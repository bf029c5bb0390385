"""First- and last-touch attribution of contacts, leads and deals: kept per record from the
forms that brought it, carried to the contact a lead becomes, shown in a panel."""

from sqlalchemy import select

from app.core.extensions import db
from app.core.models import tenant_join
from app.core.types import utcnow
from app.crm.forms.models import RecordAttribution
from app.crm.leads.models import Lead


def touch_attribution(record_type: str, record_id, touch: dict) -> RecordAttribution:
    """First touch is kept from the first time; last touch follows every new one."""
    attribution = db.session.scalar(select(RecordAttribution).where(RecordAttribution.record_id == record_id))
    now = utcnow()
    if attribution is None:
        attribution = RecordAttribution(
            record_type=record_type, record_id=record_id, first_touch=touch, last_touch=touch, first_touch_at=now
        )
        db.session.add(attribution)
    else:
        attribution.last_touch = touch
        attribution.touches += 1
    attribution.last_touch_at = now
    db.session.flush()
    return attribution


def get_attribution(record_id) -> RecordAttribution | None:
    return db.session.scalar(select(RecordAttribution).where(RecordAttribution.record_id == record_id))


def carry_attribution(from_record_id, to_type: str, to_record_id) -> RecordAttribution | None:
    """A deal made for a contact (or a contact converted from a lead) starts with its touches."""
    return copy_attribution(get_attribution(from_record_id), to_type, to_record_id)


def copy_attribution(source: RecordAttribution | None, to_type: str, to_record_id) -> RecordAttribution | None:
    if source is None or get_attribution(to_record_id) is not None:
        return None
    copy = RecordAttribution(record_type=to_type, record_id=to_record_id, **source.touch_values())
    db.session.add(copy)
    db.session.flush()
    return copy


def attribution_panel(record_type, record) -> dict:
    """The Attribution panel of a contact, lead or deal page."""
    return {"attribution": get_attribution(record.id)}


def carry_on_conversion(event, record) -> None:
    """In-transaction subscriber of `lead.converted`: the contact inherits the lead's touches."""
    if event.name == "lead.converted" and record is not None and record.converted_contact_id:
        carry_attribution(record.id, "contact", record.converted_contact_id)


def _through_converted_lead(contact_id) -> RecordAttribution | None:
    """The touches of the lead a contact was converted from (a deal made during the conversion
    is created before the contact inherits them)."""
    return db.session.scalar(
        select(RecordAttribution)
        .join(Lead, tenant_join(Lead.id, RecordAttribution.record_id))
        .where(Lead.converted_contact_id == contact_id)
        .order_by(RecordAttribution.first_touch_at)
        .limit(1)
    )


def carry_to_deal(event, record) -> None:
    """In-transaction subscriber of `deal.created`: a deal starts with the touches of its primary
    contact (or of the lead that contact came from), so a won deal shows what brought it."""
    if record is None or get_attribution(record.id) is not None:
        return
    for link in sorted(getattr(record, "contact_links", None) or [], key=lambda link: not link.is_primary):
        source = get_attribution(link.contact_id) or _through_converted_lead(link.contact_id)
        if copy_attribution(source, "deal", record.id) is not None:
            return


def merge_attribution(record_type, survivor_id, merged_ids) -> None:
    """Merge step (app.crm.duplicates): the survivor keeps the earliest first touch and the
    latest last touch of the merged records, and the sum of their touches."""
    rows = list(
        db.session.scalars(select(RecordAttribution).where(RecordAttribution.record_id.in_([survivor_id, *merged_ids])))
    )
    if not rows:
        return
    kept = next((row for row in rows if row.record_id == survivor_id), None)
    if kept is None:
        kept = rows[0]
        kept.record_id, kept.record_type = survivor_id, record_type.name
    first = min(rows, key=lambda row: row.first_touch_at)
    last = max(rows, key=lambda row: row.last_touch_at)
    kept.first_touch, kept.first_touch_at = first.first_touch, first.first_touch_at
    kept.last_touch, kept.last_touch_at = last.last_touch, last.last_touch_at
    kept.touches = sum(row.touches for row in rows)
    for row in rows:
        if row is not kept:
            db.session.delete(row)
    db.session.flush()
