"""What the timeline partials need: one page of a record's activities, the log form."""

from app.crm.activities import services
from app.crm.activities.forms import LogActivityForm, now_local
from app.crm.activities.models import ActivityType
from app.notifications.services import mention_handle
from app.records.forms import ConfirmForm
from app.records.owner import active_users

PAGE_SIZE = 20


def timeline_context(subject, record_type, args, fixed_types=None) -> dict:
    """What `crm/activities/_timeline.html` needs: one page of the subject's activities."""
    if fixed_types:
        types, search = list(fixed_types), ""
    else:
        wanted = args.getlist("type") if hasattr(args, "getlist") else list(args.get("type") or [])
        types = [item for item in wanted if item in ActivityType.ALL]
        search = (args.get("q") or "").strip()
    page = services.list_activities(
        subject=subject, types=types or None, search=search, cursor=args.get("cursor") or None, limit=PAGE_SIZE
    )
    return {
        "subject": subject,
        "subject_type": record_type.name,
        "record_type": record_type,
        "page": page,
        "types": types,
        "search": search,
        "fixed_types": fixed_types,
        "type_labels": ActivityType.LABELS,
        "type_icons": ActivityType.ICONS,
        "confirm_form": ConfirmForm(),
    }


def log_form_context(subject, record_type, form=None) -> dict:
    form = form or LogActivityForm(formdata=None, occurred_at=now_local())
    return {
        "form": form,
        "subject": subject,
        "subject_type": record_type.name,
        "record_type": record_type,
        "mention_choices": mention_choices(),
    }


def mention_choices() -> list[dict]:
    """The teammates a note may mention, for the note box's @ picker: name and handle."""
    choices = []
    for user in active_users():
        handle = mention_handle(user)
        if handle:
            choices.append({"name": user.display_name, "handle": handle})
    return choices
