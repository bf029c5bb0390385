"""The apex leads people to their workspace: by its address, or by email (without saying
whether the email has an account), and shows the plans on /pricing."""

from sqlalchemy import select

from app.core.extensions import db
from app.messaging.models import OutboxMessage
from tests.conftest import in_tenant


def _emails(app, tenant):
    with in_tenant(app, tenant.id):
        return [m.payload for m in db.session.scalars(select(OutboxMessage))]


def test_the_apex_nav_leads_to_pricing_and_sign_in(apex_client):
    for path in ("/", "/pricing", "/login"):
        page = apex_client.get(path)
        assert page.status_code == 200, path
        assert b'href="/pricing"' in page.data
        assert b'href="/login"' in page.data


def test_pricing_shows_the_public_plans_with_offered_limits_only(apex_client):
    page = apex_client.get("/pricing").get_data(as_text=True)
    for code in ("free", "normal", "premium", "enterprise"):
        assert f'data-testid="plan-{code}"' in page
    assert "Deals" not in page  # no deal code has landed: not sold


def test_a_workspace_address_leads_to_its_sign_in_page(apex_client, tenant_a):
    for typed in ("alpha", " Alpha ", "alpha.atrium.test", "https://alpha.atrium.test/contacts"):
        response = apex_client.post("/login", data={"address": typed})
        assert response.status_code == 302, typed
        assert response.headers["Location"] == "http://alpha.atrium.test/login"


def test_an_unknown_or_canceled_workspace_is_an_inline_error(apex_client, make_tenant):
    make_tenant("gone", status="canceled", roles=("owner",))
    for typed in ("nowhere", "gone"):
        response = apex_client.post("/login", data={"address": typed})
        assert response.status_code == 422
        assert f"There is no workspace at {typed}.atrium.test".encode() in response.data


def test_by_email_each_workspace_gets_its_sign_in_link_in_its_own_outbox(app, apex_client, tenant_a, tenant_b):
    response = apex_client.post("/login/email", data={"email": "Sales@Example.com"})
    assert response.status_code == 302
    for tenant in (tenant_a, tenant_b):
        [email] = _emails(app, tenant)
        assert email["to"] == "sales@example.com"
        assert f"http://{tenant.host}/login" in email["text"]
        other = tenant_b if tenant is tenant_a else tenant_a
        assert other.host not in email["text"]
        assert other.name not in email["text"]


def test_by_email_the_answer_does_not_tell_whether_the_address_has_an_account(app, apex_client, tenant_a):
    known = apex_client.post("/login/email", data={"email": "owner@example.com"}, follow_redirects=True)
    unknown = apex_client.post("/login/email", data={"email": "nobody@example.com"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert _without_tokens(known.data) == _without_tokens(unknown.data)
    assert len(_emails(app, tenant_a)) == 1


def test_a_malformed_email_is_an_inline_error(apex_client):
    response = apex_client.post("/login/email", data={"email": "not-an-email"})
    assert response.status_code == 422
    assert b"is-invalid" in response.data


def _without_tokens(body: bytes) -> bytes:
    from tests.conftest import strip_nonces

    return strip_nonces(body)


def test_by_email_one_address_gets_a_few_links_an_hour_whatever_the_network(app, apex_client, tenant_a):
    """The per-network limit alone let anyone with a few addresses fill an inbox with links."""
    limit = int(app.config["WORKSPACE_LINKS_PER_EMAIL"].split()[0])
    answers = []
    for attempt in range(limit + 2):
        environ = {"REMOTE_ADDR": f"203.0.113.{attempt + 1}"}
        response = apex_client.post("/login/email", data={"email": "owner@example.com"}, environ_base=environ)
        assert response.status_code == 302
        answers.append(_without_tokens(apex_client.get("/login", environ_base=environ).data))
    assert len(_emails(app, tenant_a)) == limit
    # Past the limit the answer is the same: it does not tell that the address has an account.
    assert len(set(answers)) == 1
