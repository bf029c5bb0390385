"""Tenant dashboard."""

from zoneinfo import ZoneInfo

from flask import g, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.auth.models import Invitation, User
from app.auth.permissions import acting_user, can
from app.core.extensions import db
from app.core.hosts import TenantBlueprint
from app.core.types import utcnow
from app.dashboard.my_day import my_day, offered_sections
from app.plans.services import entitlements

bp = TenantBlueprint("dashboard", __name__)

# Each domain may add a step: (key, label, endpoint, done(tenant) -> bool). Order matters.
# (key, label, endpoint, done(tenant), the permission the step's page needs or None)
CHECKLIST_STEPS: list[tuple[str, str, str, object, str | None]] = []


def register_checklist_step(key: str, label: str, endpoint: str, done, permission: str | None = None) -> None:
    """A first step the dashboard suggests; shown only to those who may take it."""
    if all(step[0] != key for step in CHECKLIST_STEPS):
        CHECKLIST_STEPS.append((key, label, endpoint, done, permission))


def _team_invited(tenant) -> bool:
    users = db.session.scalar(select(func.count()).select_from(User))
    invites = db.session.scalar(select(func.count()).select_from(Invitation))
    return users > 1 or invites > 0


register_checklist_step(
    "branding", "Add your logo and brand colour", "settings.agency", lambda t: bool(t.logo_mime), "settings.manage"
)
register_checklist_step("team", "Invite your team", "auth.users", _team_invited, "users.manage")
register_checklist_step(
    "security", "Turn on two-factor authentication", "auth.two_factor_setup", lambda t: current_user.totp_enabled
)


def greeting() -> str:
    hour = utcnow().astimezone(ZoneInfo(g.tenant.timezone)).hour
    if hour < 12:
        return "Good morning"
    if hour < 18:
        return "Good afternoon"
    return "Good evening"


@bp.route("/")
@login_required
def index():
    steps = [
        {"key": key, "label": label, "endpoint": endpoint, "done": bool(done(g.tenant))}
        for key, label, endpoint, done, permission in CHECKLIST_STEPS
        if permission is None or can(current_user, permission)
    ]

    def allowed(permission: str) -> bool:
        return can(current_user, permission)

    return render_template(
        "dashboard/index.html",
        steps=steps,
        # Every step adds or changes something, which a read-only workspace refuses.
        steps_wait=entitlements(g.tenant).read_only,
        greeting=greeting(),
        my_day=my_day(acting_user(current_user), allowed),
        # A user with sections of their own sees My day even on a day it is empty, and says so.
        my_day_offered=bool(offered_sections(allowed)),
    )
