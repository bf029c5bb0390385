"""Web forms, the builder's side: create and change a form (counted against the plan's
`forms` limit), its fields mapped onto the kit's field catalogue, consents, embedding
origins, the deal a contact form may open; submissions lists and the per-form conversion numbers."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.auth.permissions import check_permission, check_permission_if_acting
from app.core.audit import record_audit
from app.core.deletion_checks import DeletionChecks
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.lookups import get_child_or_404, get_or_404
from app.core.pagination import Sort, resolve_sort, sorted_page
from app.core.text import key_in_words
from app.core.validation import Errors, check_known_keys, clean_text
from app.crm.deals.models import StageKind
from app.crm.deals.services.pipelines import list_stages, stage_label
from app.crm.forms import intake
from app.crm.forms.deal_option import clean_deal_option, describe_deal_option
from app.crm.forms.models import FormDailyStat, FormSubmission, SubmissionStatus, WebForm
from app.crm.messaging.models import Channel
from app.plans.services import check_writable, enforce
from app.records.catalogue import field_catalogue
from app.records.normalize import workspace_today
from app.records.registry import find_record_type
from app.records.setting_services import add_audited, apply_changes, clean_flags, creator_id

FIELDS = (
    "name",
    "is_active",
    "creates",
    "fields",
    "consents",
    "submit_label",
    "thank_you_message",
    "redirect_url",
    "allowed_origins",
    "double_opt_in",
    "deal",
)
# FIELDS as the form's settings page words them, for the audit log's "Changed: Button text".
FIELD_LABELS = {
    "name": "Name",
    "is_active": "Accepting submissions",
    "creates": "Submissions create",
    "fields": "Fields",
    "consents": "Consent checkboxes",
    "submit_label": "Button text",
    "thank_you_message": "Thank-you message",
    "redirect_url": "Redirect",
    "allowed_origins": "Sites that may embed it",
    "double_opt_in": "Double opt-in",
    "deal": "Deal",
}
TARGETS = {"lead": "Leads", "contact": "Contacts"}
INPUT_TYPES = {"text": "Text", "email": "Email", "tel": "Phone", "textarea": "Long text", "hidden": "Hidden"}
CONSENT_CHANNELS = {"": "No channel", **Channel.LABELS}
MAX_FIELDS = 30
MAX_CONSENTS = 5
MAX_ORIGINS = 20
ORIGIN_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*")
STATS_DAYS = 30
SUBMISSION_SORTS = {"-created_at": Sort("-created_at", FormSubmission.created_at, True, "Newest first")}
# What a contact form field may fill besides the catalogue: the primary email and phone.
CONTACT_SHORTCUTS = {"email": "Email", "phone": "Phone"}


def count_forms(tenant_id) -> int:
    return db.session.scalar(select(func.count(WebForm.id)))


def get_form(form_id, *, actor=None) -> WebForm:
    check_permission_if_acting(actor, "forms.view")
    return get_or_404(WebForm, form_id)


def list_forms(*, actor=None) -> list[WebForm]:
    check_permission_if_acting(actor, "forms.view")
    return list(db.session.scalars(select(WebForm).order_by(WebForm.name, WebForm.id)))


def mappable_fields(target: str) -> dict[str, str]:
    """{catalogue name: label} a form field can fill for leads or contacts."""
    record_type = find_record_type(target)
    if record_type is None:
        return {}
    keys = set(record_type.input_keys())
    mapped = {}
    if target == "contact":
        mapped.update(CONTACT_SHORTCUTS)
    for entry in field_catalogue(record_type):
        name = entry["name"]
        writable = (name in keys or name.startswith("custom_fields.")) and not entry.get("read_only")
        if writable and entry.get("type") in (
            "text",
            "long_text",
            "email",
            "phone",
            "url",
            "choice",
            "number",
            "domain",
        ):
            mapped[name] = entry["label"]
    return mapped


def describe_deal(form: WebForm) -> str:
    return describe_deal_option(form.deal or {})


def deal_stage_choices() -> list[tuple[str, str]]:
    """(stage id, "Pipeline – Stage") of every open stage: where a contact form's deal can go."""
    return [(str(stage.id), stage_label(stage)) for stage in list_stages() if stage.kind == StageKind.OPEN]


def _clean_fields(raw, target: str, errors: Errors, actor) -> list[dict]:
    if not isinstance(raw, list) or len(raw) > MAX_FIELDS:
        errors.add("fields", f"Send at most {MAX_FIELDS} fields.")
        return []
    allowed = mappable_fields(target)
    cleaned, seen = [], set()
    for item in raw:
        if not isinstance(item, dict):
            errors.add("fields", "Each field is an object.")
            continue
        label = str(item.get("label") or "").strip()[:120]
        maps_to = item.get("maps_to")
        if maps_to is not None and not isinstance(maps_to, str):
            errors.add("fields", "A field's maps_to is a field name.")
            continue
        if not label and not maps_to:
            continue  # an empty row of the builder
        if maps_to not in allowed:
            errors.add("fields", f"“{label or maps_to}”: choose what it fills in.")
            continue
        if maps_to in seen:
            errors.add("fields", f"Two fields fill {allowed[maps_to]}.")
            continue
        seen.add(maps_to)
        kind = item.get("type") or "text"
        if not isinstance(kind, str) or kind not in INPUT_TYPES:
            errors.add("fields", f"“{label}”: unknown input type.")
            continue
        default = str(item.get("default") or "").strip()[:500]
        if kind == "hidden" and not default:
            errors.add("fields", f"“{label or maps_to}”: a hidden field needs its value.")
        elif kind == "hidden" and (problems := intake.field_refusals(target, maps_to, default, actor=actor)):
            errors.add("fields", f"“{label or allowed[maps_to]}”: {' '.join(problems)}")
        cleaned.append(
            {
                "key": maps_to.replace(".", "__"),
                "label": label or allowed[maps_to],
                "maps_to": maps_to,
                "type": kind,
                "required": bool(item.get("required")) and kind != "hidden",
                "default": default,
            }
        )
    if not any(field["maps_to"] in ("email", "emails") for field in cleaned) and not errors.has("fields"):
        errors.add("fields", "Add an email field: submissions are matched to records by email.")
    return cleaned


def _clean_consents(raw, errors: Errors) -> list[dict]:
    if not isinstance(raw, list) or len(raw) > MAX_CONSENTS:
        errors.add("consents", f"Send at most {MAX_CONSENTS} consent checkboxes.")
        return []
    cleaned = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            continue
        wording = str(item.get("wording") or "").strip()
        if not wording:
            continue
        if len(wording) > 1000:
            errors.add("consents", "Consent wording is at most 1,000 characters.")
        channel = item.get("channel") or ""
        if not isinstance(channel, str) or channel not in CONSENT_CHANNELS:
            errors.add("consents", "Choose email, SMS or no channel.")
        cleaned.append(
            {
                "key": f"consent_{index}",
                "wording": wording[:1000],
                "required": bool(item.get("required")),
                "channel": channel,
            }
        )
    return cleaned


def check_origin(value: str) -> str | None:
    """`https://www.example.com` (scheme, host and port only), or None. The origin is written
    into the embed page's Content-Security-Policy header, so its host is a plain DNS name:
    a `;`, a space or a quote would add sources or directives of the tenant's choosing."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        return None
    if parts.query or parts.fragment or parts.username:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    if not ORIGIN_HOST.fullmatch(parts.hostname):
        return None
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")


def _clean_origins(raw, errors: Errors) -> list[str]:
    if isinstance(raw, str):
        raw = [line for line in raw.splitlines() if line.strip()]
    if not isinstance(raw, list) or len(raw) > MAX_ORIGINS:
        errors.add("allowed_origins", f"List at most {MAX_ORIGINS} sites.")
        return []
    cleaned = []
    for value in raw:
        origin = check_origin(str(value)) if isinstance(value, str) else None
        if origin is None:
            errors.add("allowed_origins", f"“{str(value)[:80]}” is not a site like https://www.example.com.")
        elif origin not in cleaned:
            cleaned.append(origin)
    return cleaned


def _clean(data: dict, *, form: WebForm | None, actor=None) -> dict:
    """The form's settings from `data`, or ValidationFailed naming every problem at once."""
    check_known_keys(data, FIELDS)
    errors = Errors()
    creating = form is None
    cleaned = {}
    for key, label, max_length in (
        ("name", "Name", 120),
        ("submit_label", "Button", 60),
        ("thank_you_message", "Thank-you message", 1000),
    ):
        value = clean_text(data, key, errors, max_length=max_length, required=creating and key == "name", label=label)
        if value is not None:
            if not value and key != "thank_you_message":
                errors.add(key, f"{label} is required.")
            cleaned[key] = value
    redirect_url = clean_text(data, "redirect_url", errors, max_length=2000, label="Redirect")
    bad_redirect = redirect_url and (
        urlsplit(redirect_url).scheme not in ("http", "https") or not urlsplit(redirect_url).hostname
    )
    if bad_redirect:
        errors.add("redirect_url", "Use a full http(s):// address, or leave it empty for the thank-you message.")
    if redirect_url is not None:
        cleaned["redirect_url"] = redirect_url
    creates = data.get("creates", form.creates if form else "lead")
    if not isinstance(creates, str) or creates not in TARGETS:
        errors.add("creates", "Choose leads or contacts.")
        creates = "lead"
    cleaned["creates"] = creates
    if "fields" in data or creating or "creates" in data:
        cleaned["fields"] = _clean_fields(data.get("fields", form.fields if form else []), creates, errors, actor)
    if "consents" in data:
        cleaned["consents"] = _clean_consents(data["consents"], errors)
    if "allowed_origins" in data:
        cleaned["allowed_origins"] = _clean_origins(data["allowed_origins"], errors)
    if "deal" in data:
        cleaned["deal"] = clean_deal_option(data["deal"], creates=creates, actor=actor, errors=errors)
    elif form is not None and form.deal and creates != "contact":
        errors.add("deal", "Only a form that creates contacts can open a deal: remove the deal first.")
    cleaned.update(clean_flags(data, ("is_active", "double_opt_in"), errors))
    errors.raise_if_any()
    return cleaned


def create_form(data: dict, *, actor) -> WebForm:
    check_permission(actor, "forms.create")
    check_writable()
    cleaned = _clean(data, form=None, actor=actor)
    enforce("forms")
    form = WebForm(created_by_id=creator_id(actor), **cleaned)
    add_audited(form, "form.created", actor=actor)
    return form


def update_form(form: WebForm, data: dict, *, actor) -> WebForm:
    check_permission(actor, "forms.edit")
    check_writable()
    cleaned = _clean(data, form=form, actor=actor)
    changed = sorted(apply_changes(form, cleaned))
    db.session.flush()
    if changed:
        record_audit("form.updated", actor=actor, target=form, target_label=form.name, details={"changed": changed})
    return form


# What keeps a form from being deleted (a workflow it starts), registered by those packages.
FORM_DELETION_CHECKS = DeletionChecks()
register_form_deletion_check = FORM_DELETION_CHECKS.register


def delete_form(form: WebForm, *, actor) -> None:
    check_permission(actor, "forms.delete")
    check_writable()
    FORM_DELETION_CHECKS.run(form)
    record_audit("form.deleted", actor=actor, target=form, target_label=form.name)
    db.session.delete(form)
    db.session.flush()


# ---------------------------------------------------------------------------- submissions and numbers


def list_submissions(*, form: WebForm | None = None, status=None, cursor=None, limit=None, sort=None):
    stmt = select(FormSubmission)
    if form is not None:
        stmt = stmt.where(FormSubmission.form_id == form.id)
    if status:
        if status not in SubmissionStatus.LABELS:
            raise ValidationFailed("Unknown status.", details={"status": ["Unknown status."]})
        stmt = stmt.where(FormSubmission.status == status)
    return sorted_page(
        db.session, stmt, FormSubmission, resolve_sort(SUBMISSION_SORTS, sort, "-created_at"), cursor, limit
    )


def get_submission(submission_id, *, form: WebForm | None = None) -> FormSubmission:
    return get_child_or_404(FormSubmission, submission_id, form, "form_id")


# Attribution keys whose words are not just the key's (`referrer` reads as "Referrer" by itself).
ATTRIBUTION_LABELS = {
    "utm_source": "UTM source",
    "utm_medium": "UTM medium",
    "utm_campaign": "UTM campaign",
    "utm_term": "UTM term",
    "utm_content": "UTM content",
    "gclid": "Google Ads click (gclid)",
    "fbclid": "Facebook click (fbclid)",
}


def submission_details(form: WebForm, submission: FormSubmission) -> dict:
    """What a submission's page shows, labelled as people read it: the form's own labels for
    what was sent ("Work email", not "email"), attribution in words ("UTM source")."""
    record_type = find_record_type(form.creates)
    labels = {field["maps_to"]: field["label"] for field in form.fields or [] if field.get("label")}

    def label_of(key: str) -> str:
        if key in labels:
            return labels[key]
        return record_type.change_label(key) if record_type else key_in_words(key)

    # Spam is kept as it was posted: its time-trap token and empty inputs are not what it sent.
    spam = submission.status == SubmissionStatus.SPAM
    sent = submission.data or {}
    return {
        "sent": [
            (label_of(key), value)
            for key, value in sent.items()
            if not (spam and (key in intake.MACHINERY or not value))
        ],
        "spam_reason": intake.spam_reason(sent) if spam else "",
        "source": [
            (ATTRIBUTION_LABELS.get(key, key_in_words(key)), value)
            for key, value in (submission.attribution or {}).items()
        ],
        "device": (submission.device or "").capitalize(),
    }


def form_names() -> dict:
    return dict(db.session.execute(select(WebForm.id, WebForm.name)).all())


def form_stats(form: WebForm, *, days: int = STATS_DAYS) -> dict:
    """Views, submissions and the conversion rate over `days`, with the daily series."""
    today = workspace_today()
    start = today - timedelta(days=days - 1)
    rows = {
        row.day: row
        for row in db.session.scalars(
            select(FormDailyStat).where(FormDailyStat.form_id == form.id, FormDailyStat.day >= start)
        )
    }
    labels, views, submissions = [], [], []
    for offset in range(days):
        day = start + timedelta(days=offset)
        row = rows.get(day)
        labels.append(day.isoformat())
        views.append(row.views if row else 0)
        submissions.append(row.submissions if row else 0)
    total_views, total_submissions = sum(views), sum(submissions)
    rate = round(100 * total_submissions / total_views, 1) if total_views else 0.0
    return {
        "labels": labels,
        "views": views,
        "submissions": submissions,
        "total_views": total_views,
        "total_submissions": total_submissions,
        "conversion_rate": rate,
    }


def status_counts(form: WebForm) -> dict:
    return dict(
        db.session.execute(
            select(FormSubmission.status, func.count())
            .where(FormSubmission.form_id == form.id)
            .group_by(FormSubmission.status)
        ).all()
    )


def submission_totals() -> dict:
    """{form id: (views, submissions)} over the chart's window, one grouped query."""
    start = workspace_today() - timedelta(days=STATS_DAYS - 1)
    rows = db.session.execute(
        select(FormDailyStat.form_id, func.sum(FormDailyStat.views), func.sum(FormDailyStat.submissions))
        .where(FormDailyStat.day >= start)
        .group_by(FormDailyStat.form_id)
    )
    return {form_id: (int(views or 0), int(submissions or 0)) for form_id, views, submissions in rows}


def process_waitlist(*, actor) -> dict:
    """Take in what waited for room in the plan (after an upgrade, say)."""
    check_permission(actor, "forms.edit")
    check_writable()
    return intake.process_waitlist()
