"""A demo API key for `seed-demo`: the agency's website posts its sign-ups as leads and reads
contacts back, so `/settings/api` shows a key in use rather than an empty page. Its secret is
thrown away — a newcomer who wants to call the API issues a key of their own and sees it once."""

from datetime import timedelta

from app.api.models import ApiKey
from app.api.services import create_api_key
from app.auth.demo_team import get_demo_owner
from app.core.types import utcnow
from app.plans.services import entitlements

WEBSITE_SCOPES = ("contacts:read", "leads:read", "leads:write")


def seed_api_demo(tenant) -> None:
    owner = get_demo_owner(unless_seeded=ApiKey)
    if owner is None or not entitlements(tenant).has_feature("api"):
        return
    key, _secret = create_api_key(name="Website sign-ups", scopes=WEBSITE_SCOPES, actor=owner)
    key.last_used_at = utcnow() - timedelta(minutes=42)
