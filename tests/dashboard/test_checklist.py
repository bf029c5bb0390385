"""The getting-started checklist suggests only the steps the signed-in user may take: every
link on it opens a page they are allowed to see."""

import re

import pytest

from app.auth.permissions import all_permissions


@pytest.mark.parametrize("role", ["owner", "viewer", "sales"])
def test_every_step_link_opens_for_the_user_who_sees_it(tenant_a, client_for, role):
    client = client_for(tenant_a, role)
    body = client.get("/").get_data(as_text=True)
    checklist = body[body.index('data-testid="checklist"') :]
    checklist = checklist[: checklist.index("</ul>")]
    links = re.findall(r'<a href="([^"]+)">', checklist)
    for link in links:
        assert client.get(link).status_code == 200, link
    count = re.search(r"(\d+) of (\d+) done", checklist)
    steps = checklist.count('class="list-group-item')
    assert int(count.group(2)) == steps
    if role == "owner":
        assert steps == 6
        assert "Add your logo and brand colour" in checklist
    if role == "viewer":
        assert "Add your logo" not in checklist
        assert "Invite your team" not in checklist
        assert "Add your first contact" not in checklist
        assert "Turn on two-factor authentication" in checklist  # everyone may secure their own sign-in


def test_the_steps_name_permissions_that_exist(app):
    from app.dashboard.views import CHECKLIST_STEPS

    known = set(all_permissions())
    assert len(CHECKLIST_STEPS) == 6
    assert all(permission is None or permission in known for *_, permission in CHECKLIST_STEPS)


def test_a_read_only_workspace_is_not_sent_to_steps_it_cannot_take(make_tenant, set_tenant, client_for):
    """Suspended, the checklist still linked "Add your first contact" to a form that only sent
    the owner back with a refusal."""
    tenant = make_tenant("frozen", roles=("owner",))
    set_tenant(tenant, status="suspended", status_reason="Fraud check")
    card = client_for(tenant).get("/").get_data(as_text=True).split('data-testid="checklist"')[1].split("</ul>")[0]
    assert 'href="/contacts/new"' not in card
    assert "Add your first contact" in card
    assert "read-only" in card


def test_a_screen_reader_hears_which_steps_are_done(tenant_a, client_for):
    body = client_for(tenant_a).get("/").get_data(as_text=True)
    checklist = body[body.index('data-testid="checklist"') :]
    checklist = checklist[: checklist.index("</ul>")]
    items = [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in re.findall(r"<li\b.*?</li>", checklist, re.S)]
    # A done step was told apart only by its tick and its line through: it now says so in words.
    assert "Done: Invite your team" in items  # tenant_a has a team already
    assert "To do: Add your logo and brand colour" in items
