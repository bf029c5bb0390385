"""Signup and agency settings."""

import zoneinfo
from datetime import timedelta

from flask import current_app, url_for
from limits import parse_many
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from app.auth.models import Role, User
from app.auth.services import create_user, normalize_email
from app.core.audit import record_audit
from app.core.context import platform_scope, tenant_context
from app.core.currencies import CURRENCIES
from app.core.errors import ValidationFailed
from app.core.extensions import db, limiter
from app.core.hosts import RESERVED_SLUGS, SLUG_PATTERN, tenant_host
from app.core.types import utcnow
from app.core.uploads import IMAGE_KINDS, KINDS, read_upload
from app.messaging.services import queue_email
from app.tenants.models import Domain, DomainKind, Tenant, TenantStatus

TIMEZONES = sorted(zoneinfo.available_timezones())
MAX_LOGO_BYTES = 512 * 1024


def check_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if slug in RESERVED_SLUGS:
        raise ValidationFailed("Reserved address.", details={"slug": [f"“{slug}” is reserved. Please choose another."]})
    if not SLUG_PATTERN.match(slug) or "--" in slug:
        raise ValidationFailed(
            "Invalid address.",
            details={
                "slug": [
                    "Use 3–63 lowercase letters, digits or single hyphens, starting and ending with a letter or digit."
                ]
            },
        )
    taken = db.session.scalar(select(Domain.id).where(Domain.kind == DomainKind.SUBDOMAIN, Domain.host == slug))
    if taken is not None:
        raise ValidationFailed("Address taken.", details={"slug": ["This address is already taken."]})
    return slug


def sign_up(
    *, agency_name: str, name: str, slug: str, email: str, password: str, timezone: str | None = None
) -> tuple[Tenant, User]:
    """Create an agency on a trial, its subdomain and its owner — all in one transaction. It
    starts on the signer's time zone (their browser's) when that is one we know."""
    agency_name, name = (agency_name or "").strip(), (name or "").strip()
    errors = {}
    if not agency_name:
        errors["agency_name"] = ["Enter your agency's name."]
    if not name:  # it greets the owner and signs every invitation they send
        errors["name"] = ["Enter your name."]
    if errors:
        raise ValidationFailed("Name required.", details=errors)
    slug = check_slug(slug)
    config = current_app.config
    tenant = Tenant(
        slug=slug,
        name=agency_name[:120],
        plan_code=config["TRIAL_PLAN"],
        status=TenantStatus.TRIALING,
        trial_ends_at=utcnow() + timedelta(days=config["TRIAL_DAYS"]),
    )
    if timezone in TIMEZONES:
        tenant.timezone = timezone
    db.session.add(tenant)
    db.session.add(Domain(tenant=tenant, kind=DomainKind.SUBDOMAIN, host=slug, is_primary=True))
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise ValidationFailed("Address taken.", details={"slug": ["This address is already taken."]}) from exc
    with tenant_context(tenant.id):
        owner = create_user(email=normalize_email(email), name=name[:120], password=password, role=Role.OWNER)
        record_audit("tenant.created", actor=owner, target=tenant, target_label=tenant.name, details={"slug": slug})
    return tenant, owner


def update_settings(
    tenant: Tenant,
    *,
    name: str,
    timezone: str,
    currency: str,
    brand_color: str,
    logo: FileStorage | None,
    remove_logo: bool,
    actor: User,
) -> None:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Enter the agency's name."]
    if timezone not in zoneinfo.available_timezones():
        errors["timezone"] = ["Choose a time zone from the list."]
    currency = (currency or "").upper()
    if currency not in CURRENCIES:
        errors["currency"] = ["Choose a currency from the list."]
    color = (brand_color or "").lower()
    if not (len(color) == 7 and color.startswith("#") and all(c in "0123456789abcdef" for c in color[1:])):
        errors["brand_color"] = ["Pick a colour such as #4f46e5."]
    logo_data = logo_mime = None
    if logo:
        try:
            kind, logo_data = read_upload(logo, kinds=IMAGE_KINDS, max_bytes=MAX_LOGO_BYTES, field="logo")
            logo_mime = KINDS[kind].mime
        except ValidationFailed as exc:
            errors.update(exc.details)
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", details=errors)
    changes = {}
    for field, value in (("name", name[:120]), ("timezone", timezone), ("currency", currency), ("brand_color", color)):
        if getattr(tenant, field) != value:
            changes[field] = {"old": getattr(tenant, field), "new": value}
            setattr(tenant, field, value)
    if logo_data:
        tenant.logo_data, tenant.logo_mime, tenant.logo_updated_at = logo_data, logo_mime, utcnow()
        changes["logo"] = "uploaded"
    elif remove_logo and tenant.logo_mime:
        tenant.logo_data, tenant.logo_mime, tenant.logo_updated_at = None, None, utcnow()
        changes["logo"] = "removed"
    if changes:
        record_audit(
            "settings.updated", actor=actor, target=tenant, target_label=tenant.name, details={"changes": changes}
        )


def _subdomain_label(address: str) -> str:
    """What people type for their workspace: "acme", "acme.<BASE_DOMAIN>" or its whole URL."""
    address = (address or "").strip().lower()
    address = address.split("://", 1)[-1].split("/", 1)[0]
    base = current_app.config["BASE_DOMAIN"].lower()
    return address.removesuffix(f".{base}")


def find_workspace(address: str) -> Tenant:
    """The open workspace at a typed address (ValidationFailed otherwise). Subdomains are
    public (they are in every link), so saying one does not exist gives nothing away."""
    label = _subdomain_label(address)
    with platform_scope():
        tenant = db.session.scalar(
            select(Tenant)
            .join(Domain, Domain.tenant_id == Tenant.id)
            .where(Domain.kind == DomainKind.SUBDOMAIN, Domain.host == label, Tenant.status != TenantStatus.CANCELED)
        )
    if tenant is None:
        base = current_app.config["BASE_DOMAIN"]
        raise ValidationFailed(
            "No workspace there.", details={"address": [f"There is no workspace at {label or '…'}.{base}."]}
        )
    return tenant


def email_workspace_links(email: str) -> None:
    """Email the sign-in link of every open workspace where the address has an active
    account — one email per workspace, each in that workspace's own outbox (a message in one
    tenant's outbox never names another tenant). Silent when there is none, so the answer
    does not tell whether the address has an account.

    Each address gets WORKSPACE_LINKS_PER_EMAIL asks, counted whether it has an account or
    not (so the count tells nothing either): the view's per-network limit alone let anyone
    with a few networks fill someone's inbox. Past it the ask is silently dropped."""
    address = normalize_email(email)
    if not _within_links_per_email(address):
        return
    with platform_scope():
        workspaces = db.session.execute(
            select(Tenant.id, Tenant.slug, Tenant.name, User.name)
            .join(User, User.tenant_id == Tenant.id)
            .where(User.email == address, User.is_active_user.is_(True), Tenant.status != TenantStatus.CANCELED)
            .order_by(Tenant.name)
        ).all()
    for tenant_id, slug, agency, name in workspaces:
        with tenant_context(tenant_id):
            queue_email(
                address,
                "workspace_sign_in",
                subject=f"Sign in to {agency} on Atrium",
                context={
                    "name": name,
                    "agency": agency,
                    "link": url_for("auth.login", host=tenant_host(slug), _external=True),
                },
            )


def _within_links_per_email(address: str) -> bool:
    strategy = limiter.limiter
    limits = parse_many(current_app.config["WORKSPACE_LINKS_PER_EMAIL"])
    # Every window counts the ask (no short-circuit), as Flask-Limiter does for a view's limits.
    within = [strategy.hit(item, "workspace-links-email", address) for item in limits]
    return all(within)


# The audit log's words for the actions written here (app/wiring.py registers them).
AUDIT_LABELS = {
    "tenant.created": "Agency created",
    "settings.updated": "Agency settings changed",
}
