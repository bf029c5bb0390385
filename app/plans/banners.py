"""Banners across the top of the tenant shell: trial ending, past due, read-only, limits."""

from dataclasses import dataclass

from flask import g
from flask_login import current_user

from app.core.types import utcnow
from app.plans.models import limit_label, you_have
from app.plans.services import METERED, entitlements, held_by_platform, offered_limits
from app.tenants.models import TenantStatus

WARN_AT = 0.8
# Those the plan page is open to ("plan.view"), named for everyone else.
ASK_WHO = "an owner or admin of the workspace"
OWNER = "an owner of the workspace"  # billing.manage
BANNER_LIMITS = ("users", "contacts", "deals", "emails_per_month", "sms_per_month", "api_calls_per_day")


@dataclass(frozen=True)
class Banner:
    key: str
    level: str
    icon: str
    message: str
    action_url: str | None = None
    action_label: str | None = None
    action_method: str = "get"  # "post" renders a button in a form with a CSRF token
    # Who may follow the action; the others read `others_message` (whom to ask) and no link.
    action_permission: str | None = None
    others_message: str | None = None


# Other packages (impersonation, billing) add functions returning a list of Banner.
BANNER_PROVIDERS: list = []


def register_banner_provider(provider) -> None:
    if provider not in BANNER_PROVIDERS:
        BANNER_PROVIDERS.append(provider)


def plan_banners() -> list[Banner]:
    tenant = g.tenant
    ent = entitlements(tenant)
    offered = set(offered_limits())
    banners: list[Banner] = []
    plan_url = "/settings/plan"
    reason = f" Reason: {tenant.status_reason}" if tenant.status_reason else ""
    if ent.read_only and held_by_platform(tenant):
        # Paying lifts no suspension the platform decided: no billing button to send them to.
        banners.append(
            Banner(
                "read-only",
                "danger",
                "lock",
                "This workspace is suspended by Atrium: you can view and export, but not change anything"
                " until Atrium lifts the suspension." + reason,
            )
        )
    elif ent.read_only:
        banners.append(
            Banner(
                "read-only",
                "danger",
                "lock",
                "This workspace is read-only: you can view and export, but not change anything until the subscription is settled."
                + reason,
                "/settings/billing",
                "Settle billing",
                action_permission="billing.manage",
            )
        )
    elif tenant.status == TenantStatus.PAST_DUE:
        banners.append(
            Banner(
                "past-due",
                "warning",
                "credit-card",
                "Your last payment failed. Update your card to keep full access.",
                "/settings/billing",
                "Update payment",
                action_permission="billing.manage",
                others_message=f"The workspace's last payment failed: {OWNER} can update the card to keep full access.",
            )
        )
    if tenant.status == TenantStatus.TRIALING and tenant.trial_ends_at is not None:
        days = (tenant.trial_ends_at - utcnow()).total_seconds() / 86400
        if 0 <= days <= 3:
            left = max(int(days + 0.999), 1)
            banners.append(
                Banner(
                    "trial-ending",
                    "info",
                    "hourglass-split",
                    f"Your {ent.plan.name} trial ends in {left} day{'s' if left != 1 else ''}.",
                    plan_url,
                    "Choose a plan",
                    action_permission="plan.view",
                )
            )
    for resource in (key for key in BANNER_LIMITS if key in offered):
        limit = ent.limit(resource)
        if limit is None or not ent.includes(resource):
            continue
        ratio = ent.usage_ratio(resource)
        label = limit_label(resource, limit)
        used = ent.used(resource)
        if used > limit and resource not in METERED:
            # After a downgrade (or a smaller override): say what happened, and that it is safe.
            stated = (
                f"Your {ent.plan.name} plan allows {limit:,} {label}; {you_have(resource, used)}. Nothing is deleted,"
            )
            message = f"{stated} but no more can be added until you upgrade or remove some."
            others = f"{stated} but no more can be added: {ASK_WHO} can upgrade or free some."
        else:
            message = f"You have reached your plan's limit of {limit:,} {label}."
            others = f"The workspace has reached its plan's limit of {limit:,} {label}: {ASK_WHO} can upgrade."
        if ratio >= 1 and limit > 0:
            banners.append(
                Banner(
                    f"limit-{resource}",
                    "danger",
                    "exclamation-octagon",
                    message,
                    plan_url,
                    "Upgrade",
                    action_permission="plan.view",
                    others_message=others,
                )
            )
        elif ratio >= WARN_AT:
            banners.append(
                Banner(
                    f"limit-{resource}",
                    "warning",
                    "exclamation-triangle",
                    f"You have used {ratio:.0%} of your {limit:,} {label}.",
                    plan_url,
                    "See usage",
                    action_permission="plan.view",
                )
            )
    return banners


def shell_banners() -> list[Banner]:
    banners: list[Banner] = []
    for provider in BANNER_PROVIDERS:
        banners.extend(provider())
    if g.get("host_kind") == "tenant" and g.get("tenant") is not None and current_user.is_authenticated:
        banners.extend(plan_banners())
    return banners
