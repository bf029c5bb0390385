"""Account operations: sign-in, invitations, roles, deactivation, password reset, 2FA."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from flask import g, url_for
from sqlalchemy import func, or_, select, union_all, update
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.models import AuthToken, Invitation, Role, TokenPurpose, User
from app.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, password_signs_in, verify_password
from app.auth.permissions import can
from app.core.audit import record_audit
from app.core.context import require_tenant_id
from app.core.errors import Conflict, PermissionDenied, PlanLimitExceeded, ValidationFailed
from app.core.extensions import db
from app.core.tokens import hash_token
from app.core.types import utcnow
from app.messaging.services import queue_email
from app.plans.services import enforce

INVITATION_TTL = timedelta(days=7)
PASSWORD_RESET_TTL = timedelta(hours=1)
# Anyone may ask for a reset link for any address: past this many links in the last hour (as
# long as a link lives), a request sends nothing more: a stranger cannot bury the inbox in them.
MAX_RESET_LINKS_PER_HOUR = 3
HANDOFF_TTL = timedelta(seconds=60)
RECOVERY_CODE_COUNT = 10


def new_session_token() -> str:
    return secrets.token_hex(16)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def seats_expression(tenant_id):
    """SQL for the seats a tenant holds: active users plus invitations still waiting."""
    users = (
        select(func.count())
        .select_from(User)
        .where(User.tenant_id == tenant_id, User.is_active_user.is_(True))
        .scalar_subquery()
    )
    pending = (
        select(func.count())
        .select_from(Invitation)
        .where(
            Invitation.tenant_id == tenant_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .scalar_subquery()
    )
    return users + pending


def count_seats(tenant_id) -> int:
    """Active users plus invitations still waiting: both hold a seat."""
    return db.session.scalar(select(seats_expression(tenant_id)))


def count_seats_by_tenant(tenant_ids) -> dict:
    """count_seats of many tenants (None: all) in one grouped query, for the console."""
    users = select(User.tenant_id.label("tenant_id")).where(User.is_active_user.is_(True))
    pending = select(Invitation.tenant_id.label("tenant_id")).where(
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow()
    )
    if tenant_ids is not None:
        users = users.where(User.tenant_id.in_(tenant_ids))
        pending = pending.where(Invitation.tenant_id.in_(tenant_ids))
    seats = union_all(users, pending).subquery()
    return dict(db.session.execute(select(seats.c.tenant_id, func.count()).group_by(seats.c.tenant_id)).all())


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            "Password too short.",
            details={field: [f"Use at least {MIN_PASSWORD_LENGTH} characters."]},
        )


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(*, email: str, name: str, password: str | None, role: str, actor=None) -> User:
    """Create a tenant user (counted against the plan's seats)."""
    email = normalize_email(email)
    if role not in Role.ALL:
        raise ValidationFailed("Unknown role.", details={"role": ["Choose a valid role."]})
    if get_user_by_email(email) is not None:
        raise ValidationFailed("Email taken.", details={"email": ["A user with this email already exists."]})
    if password is not None:
        check_password_strength(password)
    enforce("users")
    user = User(
        email=email,
        name=name.strip() or email,
        password_hash=hash_password(password) if password else None,
        role=role,
        session_token=new_session_token(),
    )
    db.session.add(user)
    db.session.flush()
    record_audit("user.created", actor=actor or user, target=user, target_label=email, details={"role": role})
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the user for these credentials, or None; writes a login audit row either way."""
    user = get_user_by_email(email)
    if not password_signs_in(user, password, active=user is not None and user.is_active_user):
        record_audit(
            "login.failed",
            actor=user,
            actor_label=normalize_email(email),
            details={"reason": "inactive" if user is not None and not user.is_active_user else "bad_credentials"},
        )
        return None
    return user


def record_login(user: User, *, method: str = "password") -> None:
    user.last_login_at = utcnow()
    record_audit("login.succeeded", actor=user, details={"method": method})


def _issue_invitation(email: str, role: str, actor: User) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by_id=actor.id,
        expires_at=utcnow() + INVITATION_TTL,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def invite_user(*, email: str, role: str, actor: User) -> Invitation:
    email = normalize_email(email)
    if role not in Role.ALL:
        raise ValidationFailed("Unknown role.", details={"role": ["Choose a valid role."]})
    if role not in get_assignable_roles(actor):
        raise PermissionDenied(
            "Only an owner can invite another owner." if role == Role.OWNER else "You may not invite people."
        )
    if get_user_by_email(email) is not None:
        raise ValidationFailed("Already a member.", details={"email": ["This person already has an account here."]})
    open_invite = db.session.scalar(
        select(Invitation).where(
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
    )
    if open_invite is not None:
        raise ValidationFailed(
            "Already invited.", details={"email": ["An invitation is already waiting for this address."]}
        )
    enforce("users")
    invitation, token = _issue_invitation(email, role, actor)
    _send_invitation(invitation, token, actor)
    record_audit("user.invited", actor=actor, target=invitation, target_label=email, details={"role": role})
    return invitation


def _send_invitation(invitation: Invitation, token: str, actor: User) -> None:
    queue_email(
        invitation.email,
        "invitation",
        subject=f"{actor.display_name} invited you to {g.tenant.name} on Atrium",
        context={
            "agency": g.tenant.name,
            "inviter": actor.display_name,
            "role": Role.LABELS[invitation.role],
            "link": url_for("auth.accept_invitation", token=token, _external=True),
            "expires_at": invitation.expires_at,
        },
    )


def revoke_invitation(invitation: Invitation, *, actor: User) -> None:
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was already accepted.")
    invitation.revoked_at = utcnow()
    record_audit("user.invitation_revoked", actor=actor, target=invitation, target_label=invitation.email)


def find_open_invitation(token: str) -> Invitation | None:
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token or "")))
    if invitation is None or invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= utcnow():
        return None
    return invitation


def accept_invitation(invitation: Invitation, *, name: str, password: str) -> User:
    check_password_strength(password)
    if get_user_by_email(invitation.email) is not None:
        raise Conflict("An account with this email already exists; sign in instead.")
    # The seat was counted when the invitation was sent; mark it used before counting again.
    invitation.accepted_at = utcnow()
    db.session.flush()
    try:
        user = create_user(email=invitation.email, name=name, password=password, role=invitation.role)
    except PlanLimitExceeded as exc:
        # Full seats after a move to a smaller plan: the plan is not the invitee's to change.
        inviter = invitation.invited_by
        who = inviter.display_name if inviter is not None else "whoever invited you"
        raise PlanLimitExceeded(
            f"{g.tenant.name} has no free seat on its plan just now. "
            f"Ask {who} to free a seat or upgrade, then open this link again.",
            details=exc.details,
        ) from exc
    record_audit("user.invitation_accepted", actor=user, target=user, target_label=user.email)
    return user


def count_owners() -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.OWNER, User.is_active_user.is_(True))
    )


def get_assignable_roles(actor) -> tuple[str, ...]:
    """The roles `actor` may give someone, by invitation or a role change: every role for an
    owner, every role but owner for anyone else who manages the team, none for the rest."""
    if not can(actor, "users.manage"):
        return ()
    if actor.role == Role.OWNER:
        return Role.ALL
    return tuple(role for role in Role.ALL if role != Role.OWNER)


def can_manage_user(actor, user: User) -> bool:
    """Whether `actor` may change `user`'s role or (de)activate them: someone who manages the
    team, and for an owner only another owner."""
    if not can(actor, "users.manage"):
        return False
    return user.role != Role.OWNER or actor.role == Role.OWNER


def _check_can_manage(target: User, actor: User) -> None:
    if not can_manage_user(actor, target):
        if target.role == Role.OWNER:
            raise PermissionDenied("Only an owner can change another owner.")
        raise PermissionDenied("You may not manage the team.")


@dataclass(frozen=True)
class TeamActions:
    """What the acting user may do to one person on the team page, and why not when not."""

    roles: tuple[str, ...]  # the roles the select offers; empty: the role is shown, not offered
    can_deactivate: bool
    can_reactivate: bool
    reason: str | None = None


def team_actions(actor, users) -> dict:
    """TeamActions per user id: the page offers what the services below would accept."""
    assignable = get_assignable_roles(actor)
    owners = sum(1 for user in users if user.role == Role.OWNER and user.is_active_user)
    actions = {}
    for user in users:
        if not can_manage_user(actor, user):
            actions[user.id] = TeamActions((), False, False, "Only an owner can change an owner.")
            continue
        last_owner = user.role == Role.OWNER and user.is_active_user and owners <= 1
        if last_owner:
            actions[user.id] = TeamActions(
                (), False, False, "The only owner stays owner. Make someone else an owner first."
            )
            continue
        actions[user.id] = TeamActions(
            roles=assignable,
            can_deactivate=user.is_active_user and user.id != getattr(actor, "id", None),
            can_reactivate=not user.is_active_user,
        )
    return actions


def change_role(user: User, role: str, *, actor: User) -> None:
    if role not in Role.ALL:
        raise ValidationFailed("Unknown role.", details={"role": ["Choose a valid role."]})
    if role == user.role:
        return
    _check_can_manage(user, actor)
    if role not in get_assignable_roles(actor):
        raise PermissionDenied("Only an owner can make someone an owner.")
    if user.role == Role.OWNER and user.is_active_user and count_owners() <= 1:
        raise Conflict("The last owner cannot be demoted. Make someone else an owner first.")
    old = user.role
    user.role = role
    record_audit(
        "user.role_changed", actor=actor, target=user, target_label=user.email, details={"from": old, "to": role}
    )


def deactivate_user(user: User, *, actor: User) -> None:
    if not user.is_active_user:
        return
    _check_can_manage(user, actor)
    if user.id == actor.id:
        raise Conflict("You cannot deactivate yourself. Ask another owner or admin.")
    if user.role == Role.OWNER and count_owners() <= 1:
        raise Conflict("The last owner cannot be deactivated.")
    user.is_active_user = False
    user.session_token = new_session_token()  # ends every session of theirs at once
    record_audit("user.deactivated", actor=actor, target=user, target_label=user.email)


def reactivate_user(user: User, *, actor: User) -> None:
    if user.is_active_user:
        return
    _check_can_manage(user, actor)
    enforce("users")
    user.is_active_user = True
    record_audit("user.reactivated", actor=actor, target=user, target_label=user.email)


def update_profile(user: User, *, name: str, actor: User) -> None:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Name required.", details={"name": ["Enter your name."]})
    if name != user.name:
        record_audit(
            "user.profile_updated",
            actor=actor,
            target=user,
            details={"changes": {"name": {"old": user.name, "new": name}}},
        )
        user.name = name


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed("Wrong password.", details={"current_password": ["This is not your current password."]})
    check_password_strength(new_password, "new_password")
    _set_password(user, new_password)
    record_audit("user.password_changed", actor=user, target=user)


def _issue_token(user: User, purpose: str, ttl: timedelta, details: dict | None = None) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        AuthToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            expires_at=utcnow() + ttl,
            details=details or {},
        )
    )
    db.session.flush()
    return token


def _usable_token(token: str, purpose: str, *, lock: bool) -> AuthToken | None:
    """The token's row when it is for `purpose`, unused and unexpired; None otherwise. `lock`
    takes the row's lock, so that two requests cannot both use it up."""
    stmt = select(AuthToken).where(AuthToken.token_hash == hash_token(token or ""), AuthToken.purpose == purpose)
    row = db.session.scalar(stmt.with_for_update() if lock else stmt)
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def consume_token(token: str, purpose: str) -> AuthToken | None:
    """Mark a single-use token used and return it; None when unknown, used or expired."""
    row = _usable_token(token, purpose, lock=True)
    if row is not None:
        row.used_at = utcnow()
    return row


def peek_token(token: str, purpose: str) -> AuthToken | None:
    """The token's row if it could be used now, without using it up: a reset link is checked
    before its form is shown."""
    return _usable_token(token, purpose, lock=False)


def request_password_reset(email: str) -> None:
    """Email a reset link if the address belongs to an active user; silent otherwise."""

    user = get_user_by_email(email)
    if user is None or not user.is_active_user:
        return
    issued_within_the_hour = db.session.scalar(
        select(func.count(AuthToken.id)).where(
            AuthToken.user_id == user.id,
            AuthToken.purpose == TokenPurpose.PASSWORD_RESET,
            AuthToken.expires_at > utcnow(),
        )
    )
    if issued_within_the_hour >= MAX_RESET_LINKS_PER_HOUR:
        return
    token = _issue_token(user, TokenPurpose.PASSWORD_RESET, PASSWORD_RESET_TTL)
    queue_email(
        user.email,
        "password_reset",
        subject=f"Reset your Atrium password for {g.tenant.name}",
        context={"name": user.display_name, "link": url_for("auth.reset_password", token=token, _external=True)},
    )
    record_audit("user.password_reset_requested", actor=user, target=user)


def reset_password(token: str, new_password: str) -> User:
    check_password_strength(new_password)
    found = peek_token(token, TokenPurpose.PASSWORD_RESET)
    # Lock the user before the token: two links of one user used at once then take turns,
    # and the second finds itself spent by the first.
    user = _lock_user(found.user_id) if found is not None else None
    row = consume_token(token, TokenPurpose.PASSWORD_RESET) if user is not None else None
    if row is None or not user.is_active_user:
        raise ValidationFailed("This reset link is invalid or has expired.", details={"token": ["Request a new link."]})
    _set_password(user, new_password)
    record_audit("user.password_reset", actor=user, target=user)
    return user


def _lock_user(user_id) -> User | None:
    return db.session.scalar(
        select(User).where(User.id == user_id).with_for_update().execution_options(populate_existing=True)
    )


def _set_password(user: User, new_password: str) -> None:
    """A new password ends every session and spends every reset link still out there."""
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    db.session.execute(
        update(AuthToken)
        .where(
            AuthToken.user_id == user.id,
            AuthToken.purpose == TokenPurpose.PASSWORD_RESET,
            AuthToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def issue_login_handoff(user: User, *, purpose: str = TokenPurpose.LOGIN_HANDOFF, details: dict | None = None) -> str:
    return _issue_token(
        user, purpose, HANDOFF_TTL if purpose == TokenPurpose.LOGIN_HANDOFF else timedelta(minutes=2), details
    )


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def _generate_recovery_codes() -> list[str]:
    return [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]


def enable_totp(user: User, *, secret: str, code: str) -> list[str]:
    """Turn on 2FA once the user proves their app works; returns one-time recovery codes."""
    if not pyotp.TOTP(secret).verify((code or "").replace(" ", ""), valid_window=1):
        raise ValidationFailed("Wrong code.", details={"code": ["That code did not match. Check your app's clock."]})
    codes = _generate_recovery_codes()
    user.totp_secret = secret
    user.totp_enabled = True
    user.recovery_code_hashes = [hash_token(c) for c in codes]
    record_audit("user.2fa_enabled", actor=user, target=user)
    return codes


def disable_totp(user: User, *, password: str) -> None:
    if not verify_password(user.password_hash, password):
        raise ValidationFailed("Wrong password.", details={"password": ["This is not your password."]})
    user.totp_secret = None
    user.totp_enabled = False
    user.recovery_code_hashes = []
    record_audit("user.2fa_disabled", actor=user, target=user)


def spend_totp_code(person, code: str) -> bool:
    """True when `code` is the current code of `person`'s app (a user or a platform admin; one
    step of clock drift either way) and newer than the last code that signed them in. It is
    then spent (RFC 6238 5.2): a code stays current for up to 90 seconds, long enough for one
    seen over a shoulder or relayed by a phishing page to sign in a second time."""
    code = (code or "").strip().replace(" ", "")
    if not person.totp_secret or not code.isdigit():
        return False
    totp = pyotp.TOTP(person.totp_secret)
    now = totp.timecode(utcnow())
    step = next(
        (step for step in (now - 1, now, now + 1) if secrets.compare_digest(totp.generate_otp(step), code)), None
    )
    if step is None:
        return False
    # One conditional UPDATE, so two requests racing with the same code cannot both win.
    model = type(person)
    spent = db.session.execute(
        update(model)
        .where(model.id == person.id, or_(model.totp_last_step.is_(None), model.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        return False
    set_committed_value(person, "totp_last_step", step)
    return True


def verify_second_factor(user: User, code: str) -> str | None:
    """Return "totp" or "recovery_code" when `code` is valid (either is used up)."""
    code = (code or "").strip().lower().replace(" ", "")
    if spend_totp_code(user, code):
        return "totp"
    digest = hash_token(code)
    if digest in (user.recovery_code_hashes or []):
        user.recovery_code_hashes = [h for h in user.recovery_code_hashes if h != digest]
        record_audit(
            "user.recovery_code_used", actor=user, target=user, details={"left": len(user.recovery_code_hashes)}
        )
        return "recovery_code"
    return None


def record_second_factor_failure(user: User) -> None:
    record_audit("login.failed", actor=user, details={"reason": "bad_second_factor"})


def list_users():
    return db.session.scalars(select(User).order_by(User.is_active_user.desc(), User.name)).all()


def list_pending_invitations():
    require_tenant_id()
    return db.session.scalars(
        select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(Invitation.created_at.desc())
    ).all()


# The audit log's words for the actions written here (app/wiring.py registers them).
AUDIT_LABELS = {
    "login.succeeded": "Signed in",
    "login.failed": "Sign-in failed",
    "user.created": "Person added",
    "user.invited": "Person invited",
    "user.invitation_accepted": "Invitation accepted",
    "user.invitation_revoked": "Invitation revoked",
    "user.role_changed": "Role changed",
    "user.deactivated": "Person deactivated",
    "user.reactivated": "Person reactivated",
    "user.profile_updated": "Profile updated",
    "user.password_changed": "Password changed",
    "user.password_reset_requested": "Password reset requested",
    "user.password_reset": "Password reset",
    "user.2fa_enabled": "Two-factor sign-in turned on",
    "user.2fa_disabled": "Two-factor sign-in turned off",
    "user.recovery_code_used": "Recovery code used",
}

# Codes in those actions' details, as the team pages word them (read when the log is shown).
SIGN_IN_FAILURES = {
    "bad_credentials": "Wrong email or password",
    "inactive": "Deactivated account",
    "bad_second_factor": "Wrong two-factor code",
}
SIGN_IN_METHODS = {
    "password": "Password",
    "totp": "Password and authenticator code",
    "recovery_code": "Password and recovery code",
    "invitation": "Accepted invitation",
    "signup": "New workspace",
}
AUDIT_DETAIL_ACTIONS = ("user.created", "user.invited", "user.role_changed", "login.failed", "login.succeeded")


def auth_codes_in_details(details: dict) -> dict:
    """An audit row's roles by their names ("admin → viewer" reads "Admin → Viewer") and a
    sign-in's method or failure in words; a code with no name stays as written."""
    worded = {
        "role": Role.LABELS,
        "from": Role.LABELS,
        "to": Role.LABELS,
        "reason": SIGN_IN_FAILURES,
        "method": SIGN_IN_METHODS,
    }
    return {
        key: worded[key].get(value, value) if key in worded and isinstance(value, str) else value
        for key, value in details.items()
    }
