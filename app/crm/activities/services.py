"""Log, edit and delete activities; write system events; read a record's timeline."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core.audit import record_audit
from app.core.errors import Conflict, ValidationFailed
from app.core.lookups import get_or_404
from app.core.pagination import Page
from app.core.types import utcnow
from app.crm.activities.models import CALL_OUTCOMES, MEETING_OUTCOMES, Activity, ActivityType, Direction
from app.crm.changes import readable
from app.crm.listing import Sort, resolve_sort, run_page
from app.crm.search import search_condition
from app.crm.validation import Errors, check_known_keys, clean_choice, clean_text, resolve_record
from app.extensions import db

FIELDS = (
    "type",
    "subject",
    "body",
    "direction",
    "outcome",
    "duration_seconds",
    "occurred_at",
    "contact_id",
    "company_id",
    "lead_id",
)
FIELDS_ON_UPDATE = ("subject", "body", "direction", "outcome", "duration_seconds", "occurred_at")
SORTS = {
    "-occurred_at": Sort(Activity.occurred_at, True, "Newest first"),
    "occurred_at": Sort(Activity.occurred_at, False, "Oldest first"),
}
FILTERS = {"type": "activity type (repeatable)", "q": "text in subject or body"}
OUTCOMES = {ActivityType.CALL: CALL_OUTCOMES, ActivityType.MEETING: MEETING_OUTCOMES}
MAX_DURATION_SECONDS = 24 * 60 * 60


def get_activity(activity_id) -> Activity:
    return get_or_404(Activity, activity_id)


def record_event(action: str, *, actor, summary: str, contact=None, company=None, lead=None, changes=None, **extra):
    """A system event on the timeline of the given records (`changes`: {field: {old, new}})."""
    details = {"action": action, **extra}
    if changes:
        details["changes"] = {
            field: {"old": readable(v["old"]), "new": readable(v["new"])} for field, v in changes.items()
        }
    event = Activity(
        type=ActivityType.SYSTEM,
        subject=summary[:200],
        user_id=getattr(actor, "id", None),
        contact_id=getattr(contact, "id", None),
        company_id=getattr(company, "id", None),
        lead_id=getattr(lead, "id", None),
        occurred_at=utcnow(),
        details=details,
    )
    db.session.add(event)
    return event


def _clean_occurred_at(value, errors: Errors) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            errors.add("occurred_at", "Use a date and time like 2026-01-31T14:30:00Z.")
            return None
    if moment.tzinfo is None:
        errors.add("occurred_at", "Include a time zone offset.")
        return None
    return moment


def _clean_common(data: dict, activity_type: str, errors: Errors) -> dict:
    cleaned = {}
    for key, limit in (("subject", 200), ("body", 20_000)):
        value = clean_text(data, key, errors, max_length=limit)
        if value is not None:
            cleaned[key] = value
    direction = clean_choice(data, "direction", Direction.LABELS, errors, label="direction")
    if direction is not None:
        cleaned["direction"] = direction
    if "outcome" in data:
        outcome = data["outcome"] or ""
        if outcome and outcome not in OUTCOMES.get(activity_type, {}):
            errors.add("outcome", "Choose a listed outcome.")
        else:
            cleaned["outcome"] = outcome
    if "duration_seconds" in data:
        duration = data["duration_seconds"]
        if duration in (None, ""):
            cleaned["duration_seconds"] = None
        elif isinstance(duration, bool) or not isinstance(duration, int) or not 0 <= duration <= MAX_DURATION_SECONDS:
            errors.add("duration_seconds", "Give a duration between 0 and 24 hours.")
        else:
            cleaned["duration_seconds"] = duration
    if "occurred_at" in data and data["occurred_at"] not in (None, ""):
        moment = _clean_occurred_at(data["occurred_at"], errors)
        if moment is not None:
            cleaned["occurred_at"] = moment
    return cleaned


def log_activity(data: dict, *, actor) -> Activity:
    """Log a call, email, SMS, meeting, note or task on a contact, company and/or lead."""
    from app.crm.companies.models import Company
    from app.crm.contacts.models import Contact
    from app.crm.leads.models import Lead

    check_known_keys(data, FIELDS)
    errors = Errors()
    activity_type = data.get("type")
    if activity_type not in ActivityType.LOGGABLE:
        errors.add("type", "Choose call, email, SMS, meeting, note or task.")
    cleaned = _clean_common(data, activity_type, errors)
    contact = resolve_record(Contact, data.get("contact_id"), "contact_id", errors, label="contact")
    company = resolve_record(Company, data.get("company_id"), "company_id", errors, label="company")
    lead = resolve_record(Lead, data.get("lead_id"), "lead_id", errors, label="lead")
    if not any(data.get(key) for key in ("contact_id", "company_id", "lead_id")):
        errors.add("contact_id", "Say which contact, company or lead this is about.")
    if activity_type == ActivityType.NOTE and not cleaned.get("body"):
        errors.add("body", "Write the note.")
    elif activity_type in (ActivityType.EMAIL, ActivityType.SMS, ActivityType.TASK) and not (
        cleaned.get("subject") or cleaned.get("body")
    ):
        errors.add("subject", "Add a subject or some text.")
    errors.raise_if_any()
    if company is None and contact is not None:
        company = contact.company  # the call happened while they were with this company
    activity = Activity(
        type=activity_type,
        subject=cleaned.get("subject") or _default_subject(activity_type, contact or lead or company),
        body=cleaned.get("body", ""),
        # Notes and tasks are not exchanges with anyone: they have no direction.
        direction="" if activity_type in (ActivityType.NOTE, ActivityType.TASK) else cleaned.get("direction", ""),
        outcome=cleaned.get("outcome", ""),
        duration_seconds=cleaned.get("duration_seconds"),
        occurred_at=cleaned.get("occurred_at") or utcnow(),
        user_id=actor.id,
        contact_id=getattr(contact, "id", None),
        company_id=getattr(company, "id", None),
        lead_id=getattr(lead, "id", None),
    )
    db.session.add(activity)
    db.session.flush()
    if lead is not None:
        from app.crm.leads.services import note_lead_activity

        note_lead_activity(lead, activity)
    record_audit("activity.logged", actor=actor, target=activity, target_label=activity.subject)
    return activity


def _default_subject(activity_type: str, record) -> str:
    label = ActivityType.LABELS.get(activity_type, "Activity")
    name = getattr(record, "display_name", None) or getattr(record, "name", None)
    return f"{label} with {name}" if name else label


def _check_editable(activity: Activity) -> None:
    if activity.is_system:
        raise Conflict("System events are a permanent record and cannot be changed.")


def update_activity(activity: Activity, data: dict, *, actor) -> Activity:
    _check_editable(activity)
    check_known_keys(data, FIELDS_ON_UPDATE)
    errors = Errors()
    cleaned = _clean_common(data, activity.type, errors)
    if activity.type == ActivityType.NOTE and "body" in cleaned and not cleaned["body"]:
        errors.add("body", "Write the note.")
    errors.raise_if_any()
    changes = {}
    for key, value in cleaned.items():
        if getattr(activity, key) != value:
            changes[key] = {"old": readable(getattr(activity, key)), "new": readable(value)}
            setattr(activity, key, value)
    db.session.flush()
    if activity.lead is not None:
        from app.crm.leads.services import note_lead_activity

        note_lead_activity(activity.lead, activity)
    if changes:
        record_audit("activity.updated", actor=actor, target=activity, details={"changes": changes})
    return activity


def delete_activity(activity: Activity, *, actor) -> None:
    _check_editable(activity)
    lead = activity.lead
    record_audit("activity.deleted", actor=actor, target=activity, target_label=activity.subject)
    db.session.delete(activity)
    db.session.flush()
    if lead is not None:
        from app.crm.leads.services import refresh_lead_engagement

        refresh_lead_engagement(lead)


def subject_condition(subject):
    """Which activities belong on `subject`'s timeline (a contact, company or lead)."""
    from app.crm.companies.models import Company
    from app.crm.contacts.models import Contact
    from app.crm.leads.models import Lead

    if isinstance(subject, Contact):
        return Activity.contact_id == subject.id
    if isinstance(subject, Company):
        return Activity.company_id == subject.id
    if isinstance(subject, Lead):
        return Activity.lead_id == subject.id
    raise TypeError(f"no timeline for {type(subject).__name__}")


def list_activities(
    *, subject=None, types=None, search: str | None = None, sort: str | None = None, cursor=None, limit=25
) -> Page:
    """A page of activities, newest first; `subject` limits it to one record's timeline."""
    stmt = select(Activity).options(selectinload(Activity.user))
    if subject is not None:
        stmt = stmt.where(subject_condition(subject))
    if types:
        types = [types] if isinstance(types, str) else list(types)
        unknown = [item for item in types if item not in ActivityType.ALL]
        if unknown:
            raise ValidationFailed("Unknown activity type.", details={"type": [f"Use: {', '.join(ActivityType.ALL)}."]})
        stmt = stmt.where(Activity.type.in_(types))
    condition = search_condition(func.lower(Activity.subject + " " + Activity.body), search)
    if condition is not None:
        stmt = stmt.where(condition)
    return run_page(stmt, Activity, resolve_sort(SORTS, sort, "-occurred_at"), cursor, limit)
