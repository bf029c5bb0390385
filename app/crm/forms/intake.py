"""Public submissions of a web form: spam defences, attribution capture, and the lead or
contact they create or update (matched by email) through the kit's one validator, with the
deal a contact form may open for it.

Every submission is stored, whatever becomes of it: spam is marked, a submission over the
plan's limit is waitlisted and processed once there is room, and one the validator refuses
keeps its reason. A double opt-in form creates its record only when the link is clicked.
"""

import secrets

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from limits import parse_many
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.exceptions import TooManyRequests

from app.auth.actors import SystemActor
from app.core.context import require_tenant_id
from app.core.errors import PlanLimitExceeded, ValidationFailed
from app.core.events import emit
from app.core.extensions import db, limiter
from app.core.ids import uuid7
from app.core.models import tenant_join
from app.core.tokens import hash_token
from app.core.types import utcnow
from app.core.validation import normalize_email_address
from app.crm.contacts.models import Consent, Contact, ContactEmail
from app.crm.forms.attribution import touch_attribution
from app.crm.forms.deal_option import open_deal
from app.crm.forms.models import FormDailyStat, FormSubmission, SubmissionStatus, WebForm
from app.crm.leads.models import Lead, LeadStatus
from app.messaging.services import queue_email
from app.records.capabilities import Context
from app.records.normalize import Invalid, normalize_phone, workspace_today
from app.records.registry import get_record_type
from app.records.services import create_record, update_record

ATTRIBUTION_KEYS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "gclid",
    "fbclid",
    "referrer",
    "landing_page",
)
HONEYPOT = "website_url"  # no person sees it; bots fill it
TIMING = "_rendered"
MIN_FILL_SECONDS = 3
MAX_TOKEN_AGE = 2 * 86400
MAX_VALUE_LENGTH = 2000
MAX_KEYS = 80
PAID_MEDIUMS = ("cpc", "ppc", "paid", "paid_social", "display")


class SubmissionRefused(Exception):
    """The submission cannot be taken at all (the form is off): a 404 like a missing form."""


def form_actor(form: WebForm) -> SystemActor:
    permissions = {f"{area}.{action}" for area in ("leads", "contacts") for action in ("view", "create", "edit")}
    if form.deal:
        permissions |= {"deals.view", "deals.create"}
    return SystemActor(f"Web form: {form.name}", permissions)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="web-form-render")


def render_token(form: WebForm) -> str:
    """Signed when the form is shown; a submission sooner than MIN_FILL_SECONDS is a bot's."""
    return _serializer().dumps({"form": str(form.id)})


def _token_age_ok(form: WebForm, token: str) -> bool:
    try:
        payload, signed_at = _serializer().loads(token, max_age=MAX_TOKEN_AGE, return_timestamp=True)
    except (BadSignature, SignatureExpired, TypeError):
        return False
    if payload.get("form") != str(form.id):
        return False
    return (utcnow() - signed_at).total_seconds() >= MIN_FILL_SECONDS


def spam_reason(sent: dict) -> str:
    """Why a submission kept as spam was taken for a bot's, from what it sent."""
    if sent.get(HONEYPOT):
        return "a field that people do not see was filled in."
    return "it came within seconds of the page opening, or from a page too old or of another form."


# What the public page sends besides the form's fields: the defences and the attribution,
# which a submission's page shows as where it came from.
MACHINERY = (HONEYPOT, TIMING, *ATTRIBUTION_KEYS)


def device_of(user_agent: str) -> str:
    agent = (user_agent or "").lower()
    if any(word in agent for word in ("bot", "crawler", "spider", "curl", "python-requests")):
        return "bot"
    if "ipad" in agent or "tablet" in agent:
        return "tablet"
    if "mobi" in agent or "android" in agent or "iphone" in agent:
        return "mobile"
    return "desktop" if agent else ""


def count(form: WebForm, *, views: int = 0, submissions: int = 0, day=None) -> None:
    """Add to the form's row of `day` (today by default), in one upsert (no read-modify-write
    race)."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = FormDailyStat.__table__
    stmt = insert(table).values(
        tenant_id=require_tenant_id(),
        id=uuid7(),
        form_id=form.id,
        day=day or workspace_today(),
        views=views,
        submissions=submissions,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.tenant_id, table.c.form_id, table.c.day],
        set_={"views": table.c.views + views, "submissions": table.c.submissions + submissions},
    )
    db.session.execute(stmt)


# ---------------------------------------------------------------------------- intake


def receive_submission(form: WebForm, values: dict, *, ip_address: str, user_agent: str) -> FormSubmission:
    """Store one public submission and act on it. `values` is the posted form, as strings.

    Raises ValidationFailed (details keyed by the form's input names) when a person's input
    needs correcting; then nothing is stored.
    """
    if not form.is_active:
        raise SubmissionRefused()
    submission = FormSubmission(
        form_id=form.id,
        ip_address=(ip_address or "")[:45],
        user_agent=(user_agent or "")[:300],
        device=device_of(user_agent),
        attribution={key: str(values.get(key) or "")[:500] for key in ATTRIBUTION_KEYS if values.get(key)},
    )
    if values.get(HONEYPOT) or not _token_age_ok(form, values.get(TIMING) or ""):
        submission.status = SubmissionStatus.SPAM
        submission.data = {key: str(value)[:200] for key, value in list(values.items())[:20]}
        db.session.add(submission)
        db.session.flush()
        return submission
    data, consents = _check_values(form, values)
    submission.data = data
    submission.consents = consents
    submission.email = data.get("email", "")
    return take_submission(form, submission)


def take_submission(form: WebForm, submission: FormSubmission) -> FormSubmission:
    """Store a checked submission, count it on the form's numbers for the day it was sent, and
    act on it (or, for a double opt-in form, ask for the confirmation first)."""
    db.session.add(submission)
    db.session.flush()
    count(form, submissions=1, day=submission.created_at.date())
    if form.double_opt_in:
        _ask_for_confirmation(form, submission)
        return submission
    process_submission(submission)
    return submission


def field_refusals(creates: str, maps_to: str, value: str, *, actor) -> list[str]:
    """What the field `maps_to` of the record a form `creates` would say of `value` (an
    unreadable phone number, "lots" for a budget): asked again on the page, or refused when the
    form is built with it as a hidden value, rather than failing the submission afterwards."""
    if maps_to in ("phone", "phones"):  # a contact's first phone number
        try:
            normalize_phone(value)
        except Invalid as exc:
            return exc.messages
        return []
    record_type = get_record_type(creates)
    field = record_type.field(maps_to)
    if field is None:
        return []
    try:
        field.check(value, Context(record_type, None, {maps_to: value}, actor))
    except Invalid as exc:
        return exc.messages
    return []


def _check_values(form: WebForm, values: dict) -> tuple[dict, list]:
    """The visitor's values, checked as the record will check them, so that what would make the
    record fail is asked again on the page, not lost afterwards."""
    errors: dict[str, list[str]] = {}
    data = {}
    for field in form.fields:
        if field["type"] == "hidden":
            data[field["maps_to"]] = field["default"]
            continue
        value = str(values.get(field["key"]) or "").strip()
        if len(value) > MAX_VALUE_LENGTH:
            errors.setdefault(field["key"], []).append(f"Use at most {MAX_VALUE_LENGTH} characters.")
        elif field["required"] and not value:
            errors.setdefault(field["key"], []).append(f"{field['label']} is required.")
        elif field["maps_to"] in ("email", "emails") and value:
            try:
                value = normalize_email_address(value).lower()
            except ValueError:
                errors.setdefault(field["key"], []).append("Enter a valid email address.")
        elif value and (problems := field_refusals(form.creates, field["maps_to"], value, actor=form_actor(form))):
            errors.setdefault(field["key"], []).extend(problems)
        if value:
            data[field["maps_to"]] = value
    consents = []
    for consent in form.consents or []:
        given = values.get(consent["key"]) in ("on", "1", "true", "yes")
        if consent["required"] and not given:
            errors.setdefault(consent["key"], []).append("Please tick this box to continue.")
        consents.append({"wording": consent["wording"], "channel": consent.get("channel", ""), "given": given})
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", details=errors)
    return data, consents


def _ask_for_confirmation(form: WebForm, submission: FormSubmission) -> None:
    token = secrets.token_urlsafe(24)
    submission.confirmation_token_hash = hash_token(token)
    submission.status = SubmissionStatus.AWAITING_CONFIRMATION
    link = url_for("public_forms.confirm", form_id=form.id, token=token, _external=True)
    queue_email(
        submission.email,
        "form_confirmation",
        subject=f"Please confirm: {form.name}",
        context={"form": form, "link": link},
    )


def confirm_submission(form: WebForm, token: str) -> FormSubmission | None:
    digest = hash_token(token or "")
    submission = db.session.scalar(
        select(FormSubmission).where(
            FormSubmission.form_id == form.id, FormSubmission.confirmation_token_hash == digest
        )
    )
    if submission is None:
        return None
    if submission.status == SubmissionStatus.AWAITING_CONFIRMATION:
        submission.confirmed_at = utcnow()
        process_submission(submission)
    return submission


def process_submission(submission: FormSubmission) -> str:
    """Create or update the record; waitlist the submission when the plan has no room."""
    form = submission.form
    record_type = get_record_type(form.creates)
    actor = form_actor(form)
    savepoint = db.session.begin_nested()
    try:
        record, created = _upsert_record(form, submission, actor)
        # Before the deal: a new deal starts with its contact's touches (`carry_to_deal`).
        touch_attribution(record_type.name, record.id, _touch(form, submission))
        deal = None
        if form.creates == "contact":
            deal = open_deal(form, record, source=_lead_source(submission.attribution), actor=actor)
        savepoint.commit()
    except PlanLimitExceeded as exc:
        savepoint.rollback()
        submission.status = SubmissionStatus.WAITLISTED
        submission.error = exc.message
        return submission.status
    except ValidationFailed as exc:
        savepoint.rollback()
        submission.status = SubmissionStatus.FAILED
        problems = " ".join(
            f"{record_type.change_label(key)}: {' '.join(messages)}" for key, messages in exc.details.items()
        )
        submission.error = f"The {record_type.label.lower()} was refused. {problems or exc.message}"[:2000]
        return submission.status
    submission.status = SubmissionStatus.ACCEPTED
    submission.record_type = record_type.name
    submission.record_id = record.id
    submission.processed_at = utcnow()
    submission.error = None
    emit(
        "form.submitted",
        actor=actor,
        record=record,
        record_type=record_type.name,
        summary=f"Submitted the form {form.name}",
        data={
            "label": record_type.title_of(record),
            "form_id": str(form.id),
            "form_name": form.name,
            "submission_id": str(submission.id),
            "created": created,
            "attribution": submission.attribution,
            "deal_id": str(deal.id) if deal is not None else None,
        },
    )
    db.session.flush()
    return submission.status


def _touch(form: WebForm, submission: FormSubmission) -> dict:
    return {
        **submission.attribution,
        "form_id": str(form.id),
        "form": form.name,
        "submission_id": str(submission.id),
        "at": (submission.created_at or utcnow()).isoformat(),
        "device": submission.device,
    }


def _upsert_record(form: WebForm, submission: FormSubmission, actor):
    data = dict(submission.data)
    if form.creates == "contact":
        return _upsert_contact(data, submission, actor)
    return _upsert_lead(data, submission, actor)


def _custom_fields(data: dict) -> dict:
    return {key.split(".", 1)[1]: data.pop(key) for key in list(data) if key.startswith("custom_fields.")}


def _upsert_lead(data: dict, submission: FormSubmission, actor):
    record_type = get_record_type("lead")
    email = data.get("email")
    custom = _custom_fields(data)
    if custom:
        data["custom_fields"] = custom
    existing = db.session.scalar(
        select(Lead)
        .where(Lead.email == email, Lead.status.not_in((LeadStatus.CONVERTED, LeadStatus.LOST)))
        .order_by(Lead.created_at.desc())
        .limit(1)
    )
    if existing is not None:
        data.pop("source", None)  # the first source stays
        return update_record(record_type, existing, data, actor=actor), False
    data.setdefault("name", email)
    data.setdefault("source", _lead_source(submission.attribution))
    return create_record(record_type, data, actor=actor), True


def _lead_source(attribution: dict) -> str:
    medium = (attribution.get("utm_medium") or "").lower()
    if attribution.get("gclid") or attribution.get("fbclid") or medium in PAID_MEDIUMS:
        return "paid_ads"
    if medium == "social":
        return "social"
    return "website"


def _upsert_contact(data: dict, submission: FormSubmission, actor):
    record_type = get_record_type("contact")
    email = data.pop("email", None)
    phone = data.pop("phone", None)
    custom = _custom_fields(data)
    if custom:
        data["custom_fields"] = custom
    consent = {
        item["channel"]: {"status": Consent.GRANTED, "source": "form"}
        for item in submission.consents
        if item.get("given") and item.get("channel")
    }
    existing = db.session.scalar(
        select(Contact)
        .join(ContactEmail, tenant_join(ContactEmail.contact_id, Contact.id))
        .where(ContactEmail.email == email)
    )
    if existing is not None:
        if consent:
            data["consent"] = consent
        if phone and not existing.phones:
            data["phones"] = [{"number": phone}]
        return update_record(record_type, existing, data, actor=actor), False
    data["emails"] = [{"email": email, "primary": True}]
    if phone:
        data["phones"] = [{"number": phone}]
    if consent:
        data["consent"] = consent
    return create_record(record_type, data, actor=actor), True


def process_waitlist(limit: int = 500) -> dict:
    """Try the waitlisted submissions again, oldest first, until the plan is full again."""
    counts = {"accepted": 0, "still_waiting": 0}
    waiting = list(
        db.session.scalars(
            select(FormSubmission)
            .where(FormSubmission.status == SubmissionStatus.WAITLISTED)
            .order_by(FormSubmission.created_at, FormSubmission.id)
            .limit(limit)
        )
    )
    for submission in waiting:
        status = process_submission(submission)
        if status == SubmissionStatus.WAITLISTED:
            counts["still_waiting"] += 1
            break
        counts["accepted"] += status == SubmissionStatus.ACCEPTED
    return counts


def waitlisted_count() -> int:
    return db.session.scalar(
        select(func.count(FormSubmission.id)).where(FormSubmission.status == SubmissionStatus.WAITLISTED)
    )


def check_rate_limits(form: WebForm, ip_address: str) -> None:
    """Per address (across forms) and per form; counted atomically in the limiter's storage."""
    strategy = limiter.limiter
    for setting, key in (
        ("FORM_SUBMISSIONS_PER_IP", ("form-ip", ip_address or "unknown")),
        ("FORM_SUBMISSIONS_PER_FORM", ("form", str(form.id))),
    ):
        for item in parse_many(current_app.config[setting]):
            if not strategy.hit(item, *key):
                raise TooManyRequests("Too many submissions; please try again in a minute.")
