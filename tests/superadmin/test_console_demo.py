"""The console on seed-demo's agencies reads like a platform in use: each demo user has signed in
at some time of their own, not "Never" for everyone."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.core.extensions import db
from app.tenants.models import Tenant
from tests.conftest import on_platform


def _last_sign_ins(html: str) -> list[str]:
    panel = html.split('data-testid="tenant-users"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td class="d-none d-md-table-cell small">([^<]*)</td>', panel)


def test_demo_users_have_signed_in_at_different_times(app, console, monkeypatch):
    from app.agency.cli import seed_demo_data
    from app.core import ssrf

    monkeypatch.setattr(ssrf, "resolve_host", lambda host, port: ["93.184.215.14"])  # the demo's webhook host
    with app.app_context():
        seed_demo_data()
    with on_platform(app):
        agencies = db.session.execute(select(Tenant.slug, Tenant.id).where(Tenant.slug.in_(("acme", "globex")))).all()
    seen = []
    for slug, tenant_id in agencies:
        shown = _last_sign_ins(console.get(f"/tenants/{tenant_id}").get_data(as_text=True))
        assert len(shown) == 7, slug  # one user per role
        assert "Never" not in shown, slug
        assert len(set(shown)) == len(shown), shown  # believable: not everyone at the same minute
        now = datetime.now(UTC)
        for text in shown:
            when = datetime.strptime(text, "%d %b %Y, %H:%M").replace(tzinfo=UTC)
            assert now - timedelta(days=30) < when <= now, text
        seen += shown
    assert len(set(seen)) == len(seen)  # and the two agencies' people at times of their own


def test_the_console_shows_a_long_customer_and_a_trial_about_to_end(app, console, monkeypatch):
    from app.agency.cli import seed_demo_data
    from app.core import ssrf

    monkeypatch.setattr(ssrf, "resolve_host", lambda host, port: ["93.184.215.14"])
    with app.app_context():
        seed_demo_data()
    with on_platform(app):
        acme, globex = (db.session.scalar(select(Tenant).where(Tenant.slug == slug)) for slug in ("acme", "globex"))
        now = datetime.now(UTC)
        # acme's records go back a year, so acme signed up before them.
        assert now - acme.created_at > timedelta(days=365)
        assert timedelta(days=3) < globex.trial_ends_at - now <= timedelta(days=4)
    overview = console.get("/").get_data(as_text=True)
    assert "Globex Partners" in overview.split("Trials ending in 7 days", 2)[2]
