"""Notify a user (in the app, by email, both or not at all, as they chose for the kind), read
and mark their notifications, and keep their choices."""

import re

from flask import current_app, g, has_request_context, request
from sqlalchemy import func, select, update
from werkzeug.exceptions import NotFound

from app.auth.models import User
from app.core.context import require_tenant_id
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.hosts import tenant_host
from app.core.lookups import get_or_404
from app.core.newest_first import newest_first_page
from app.core.types import utcnow
from app.messaging.services import queue_email
from app.notifications.models import Channel, Notification, NotificationKind, NotificationPreference
from app.records.registry import find_record_type
from app.tenants.models import Tenant

PAGE_SIZE = 30


def channel_for(user_id, kind: str) -> str:
    chosen = db.session.scalar(
        select(NotificationPreference.channel).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind
        )
    )
    return chosen or Channel.DEFAULT


def _tenant():
    tenant = g.get("tenant") if has_request_context() else None
    return tenant if tenant is not None else db.session.get(Tenant, require_tenant_id())


def tenant_link(endpoint: str, *, external: bool = False, **values) -> str:
    """A URL on this tenant's host, with or without a request (jobs have none)."""
    host = tenant_host(_tenant().slug)
    scheme = request.scheme if has_request_context() else current_app.config.get("PREFERRED_URL_SCHEME", "http")
    adapter = current_app.url_map.bind(host, url_scheme=scheme)
    return adapter.build(endpoint, {**values, "host": host}, force_external=external)


def absolute_url(path: str) -> str:
    """A link to `path` on the tenant's own host, for emails."""
    return tenant_link("dashboard.index", external=True).rstrip("/") + (path or "/")


def record_path(record_type, record_id) -> str:
    """The path of a record's page (for a notification's link)."""
    return tenant_link(f"{record_type.plural}.show", **{record_type.id_arg: record_id})


def notify(user_id, kind: str, title: str, *, body: str = "", url: str = "", record_id=None, key: str | None = None):
    """Deliver one notification to an active user of this tenant as they chose for `kind`.

    `key` (a reminder's id, say) makes a repeated call queue the email only once.
    Returns the in-app notification, or None when the user takes this kind only by email,
    or not at all.
    """
    if kind not in NotificationKind.ALL:
        raise ValueError(f"unknown notification kind {kind!r}")
    user = db.session.get(User, (require_tenant_id(), user_id)) if user_id else None
    if user is None or not user.is_active_user:
        return None
    channel = channel_for(user.id, kind)
    notification = None
    if channel in (Channel.IN_APP, Channel.BOTH):
        notification = Notification(
            user_id=user.id,
            kind=kind,
            title=title[:300],
            body=body,
            url=url[:500],
            record_id=record_id,
        )
        db.session.add(notification)
    if channel in (Channel.EMAIL, Channel.BOTH):
        queue_email(
            user.email,
            "notification",
            subject=title[:200],
            context={"user": user, "title": title, "message": body, "link": absolute_url(url)},
            dedupe_key=f"notification:{kind}:{key}:{user.id}" if key else None,
        )
    db.session.flush()
    return notification


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def list_notifications(user, *, unread_only: bool = False, cursor=None, limit: int = PAGE_SIZE):
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return newest_first_page(stmt, by=Notification.created_at, cursor=cursor, limit=limit)


def get_notification(notification_id, user) -> Notification:
    """The user's own notification; anyone else's (in this tenant or another) is a 404."""
    notification = get_or_404(Notification, notification_id)
    if notification.user_id != user.id:
        raise NotFound()
    return notification


def mark_read(notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_read_pointing_at(user, url: str) -> int:
    """The user's unread notifications that lead to `url`: opening what they announce reads them."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.url == url, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def mark_all_read(user) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def preferences_of(user) -> dict[str, str]:
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.channel).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, Channel.DEFAULT) for kind in NotificationKind.ALL}


def save_preferences(user, choices: dict) -> dict[str, str]:
    """Set the channel of each kind in `choices` ({kind: channel}); all-or-nothing."""
    if not isinstance(choices, dict):
        raise ValidationFailed("Send an object of kind: channel.", details={"_body": ["Send an object."]})
    errors = {}
    for kind, channel in choices.items():
        if kind not in NotificationKind.ALL:
            errors[str(kind)] = ["Unknown kind of notification."]
        elif channel not in Channel.ALL:
            errors[kind] = [f"Choose one of: {', '.join(Channel.ALL)}."]
    if errors:
        raise ValidationFailed("Some choices are not valid.", details=errors)
    existing = {
        row.kind: row
        for row in db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    }
    for kind, channel in choices.items():
        row = existing.get(kind)
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, channel=channel))
        else:
            row.channel = channel
    db.session.flush()
    return preferences_of(user)


# ---------------------------------------------------------------------------- event subscribers


def notify_new_owner(event, record) -> None:
    """In-transaction subscriber of `*.created` / `*.updated`: a record (or a task) that now
    belongs to someone other than whoever made the change is announced to them."""
    record_type = find_record_type(event.record_type)
    if record_type is None or not record_type.has("owner") or record is None:
        return
    if event.name.endswith(".updated") and "owner" not in event.changes:
        return
    owner_id = getattr(record, "owner_id", None)
    if owner_id is None or owner_id == event.actor_id:
        return
    title = record_type.title_of(record) or record_type.label
    kind = NotificationKind.TASK_ASSIGNED if record_type.name == "task" else NotificationKind.RECORD_ASSIGNED
    by = f" by {_who(event)}" if event.actor_label else ""
    notify(
        owner_id,
        kind,
        f"{record_type.label} assigned to you: {title}",
        body=f"{title} was assigned to you{by}.",
        url=record_path(record_type, record.id),
        record_id=record.id,
    )


def _who(event) -> str:
    """Who made the change as the team knows them: a person's name (the event keeps their
    email for the audit trail), otherwise the event's label (an automation, an API key)."""
    user = db.session.get(User, (require_tenant_id(), event.actor_id)) if event.actor_id else None
    if user is not None and event.actor_label == user.email:
        return user.display_name
    return event.actor_label


MENTION = re.compile(r"(?<![\w@])@([A-Za-z][\w.\-]{0,63})")
HANDLE = re.compile(r"[A-Za-z][\w.\-]{0,63}")


def mention_handle(user: User) -> str | None:
    """What to type after @ to mention `user`, as the note box's picker offers it: `first.last`
    when the name makes one, else the name of their email address; None when neither can be
    typed (a name that starts with "É", an address that starts with a digit)."""
    names = (user.name or "").lower().split()
    for candidate in (".".join(names), user.email.split("@", 1)[0].lower()):
        if HANDLE.fullmatch(candidate) and not candidate.endswith("."):
            return candidate
    return None


def mentioned_users(text: str) -> list[User]:
    """Active users named in `text` as `@first`, `@firstlast`, `@first.last` or `@<email name>`."""
    handles = {match.group(1).lower().rstrip(".") for match in MENTION.finditer(text or "")}
    if not handles:
        return []
    users = db.session.scalars(select(User).where(User.is_active_user.is_(True)).order_by(User.created_at))
    found = []
    for user in users:
        names = (user.name or "").lower().split()
        aliases = {user.email.split("@", 1)[0].lower(), "".join(names), ".".join(names)}
        if names:
            aliases.add(names[0])
        if handles & aliases:
            found.append(user)
    return found


def notify_mentions(event, activity) -> None:
    """In-transaction subscriber of `activity.logged`: people named with @ in a note hear of it."""
    if activity is None or getattr(activity, "type", None) != "note":
        return
    mentioned = mentioned_users(activity.body)
    if not mentioned:  # most notes: no need to load the record or build its link
        return
    author = event.actor_id
    record_entry = activity.record
    about = record_entry.title if record_entry is not None else "a record"
    record_type = find_record_type(record_entry.type) if record_entry is not None else None
    url = record_path(record_type, record_entry.id) if record_type is not None else ""
    for user in mentioned:
        if user.id == author:
            continue
        notify(
            user.id,
            NotificationKind.MENTION,
            f"{_who(event) or 'Someone'} mentioned you on {about}",
            body=activity.body[:1000],
            url=url,
            record_id=activity.record_id,
        )
