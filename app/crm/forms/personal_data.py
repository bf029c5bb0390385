"""What web forms keep about a person, for the privacy tools and for merging records: the
submissions that made or updated the record (or came from one of its addresses) and its
first- and last-touch attribution. `app/wiring.py` registers these as the privacy package's
export and erase hooks and as a merge step of the duplicates package."""

from sqlalchemy import or_, select, update

from app.core.extensions import db
from app.crm.forms.attribution import get_attribution, merge_attribution
from app.crm.forms.models import FormSubmission, RecordAttribution


def _addresses(record_type, record) -> list[str]:
    """The record's email addresses, as submissions store them (lower-cased)."""
    addresses = []
    for field in record_type.fields:
        if field.kind not in ("email", "emails"):
            continue
        value = field.value(record)
        items = value if isinstance(value, list) else [value]
        addresses += [str(item.get("email") if isinstance(item, dict) else item or "").lower() for item in items]
    return [address for address in addresses if address]


def _submissions_of(record_type, record):
    addresses = _addresses(record_type, record)
    about = FormSubmission.record_id == record.id
    if addresses:
        about = or_(about, FormSubmission.email.in_(addresses))
    return select(FormSubmission).where(about).order_by(FormSubmission.created_at, FormSubmission.id)


def export_form_data(record_type, record) -> dict:
    """Privacy export hook: the form submissions and the attribution of the record."""
    attribution = get_attribution(record.id)
    return {
        "form_submissions": [
            {
                "form": item.form.name,
                "status": item.status,
                "email": item.email,
                "data": item.data,
                "consents": item.consents,
                "attribution": item.attribution,
                "ip_address": item.ip_address,
                "user_agent": item.user_agent,
                "submitted_at": item.created_at,
            }
            for item in db.session.scalars(_submissions_of(record_type, record))
        ],
        "attribution": None if attribution is None else attribution.touch_values(),
    }


def erase_form_data(record_type, record) -> None:
    """Privacy erase hook: the submissions keep their form, status and time (the form's
    numbers hold); what the person typed, their address, IP and browser go. The record's
    attribution (referrers, landing pages) is deleted."""
    ids = list(db.session.scalars(_submissions_of(record_type, record).with_only_columns(FormSubmission.id)))
    if ids:
        db.session.execute(
            update(FormSubmission)
            .where(FormSubmission.id.in_(ids))
            .values(email="", ip_address="", user_agent="", device="", data={}, attribution={}, error=None)
            .execution_options(synchronize_session=False)
        )
    attribution = db.session.scalar(select(RecordAttribution).where(RecordAttribution.record_id == record.id))
    if attribution is not None:
        db.session.delete(attribution)
        db.session.flush()


def merge_form_data(record_type, survivor_id, merged_ids) -> None:
    """Merge step: the merged records' submissions now name the survivor, and their
    attribution is united with its own."""
    db.session.execute(
        update(FormSubmission)
        .where(FormSubmission.record_id.in_(merged_ids))
        .values(record_id=survivor_id, record_type=record_type.name)
        .execution_options(synchronize_session=False)
    )
    merge_attribution(record_type, survivor_id, merged_ids)
