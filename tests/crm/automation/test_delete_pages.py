"""The settings pages' delete buttons (`app.core.forms.delete_and_redirect`): the row goes, the
page says which one by the name it had, and returns to the list; an unknown id is a 404 and
a role without the permission a 403, before anything is deleted."""

import uuid

import pytest

from app.core.extensions import db
from app.crm.automations.models import Workflow
from app.crm.forms.models import WebForm
from app.crm.tags.models import Tag
from app.crm.webhooks.models import WebhookSubscription
from tests.conftest import in_tenant
from tests.crm.automation.factories import make_subscription, make_web_form, make_web_workflow
from tests.crm.factories import make_tag

PAGES = [
    pytest.param(make_tag, Tag, "/settings/tags", "Tag “{}” deleted and removed from its records.", id="tag"),
    pytest.param(make_web_form, WebForm, "/forms", "Form “{}” and its submissions deleted.", id="form"),
    pytest.param(make_web_workflow, Workflow, "/automations", "Workflow “{}” and its run log deleted.", id="workflow"),
    pytest.param(make_subscription, WebhookSubscription, "/settings/webhooks", "Webhook “{}” deleted.", id="webhook"),
]


def stored(app, tenant, model, row_id):
    with in_tenant(app, tenant.id):
        row = db.session.get(model, (tenant.id, row_id))
        return row and row.name


@pytest.mark.parametrize(("make", "model", "index", "message"), PAGES)
def test_delete_says_what_it_deleted_and_returns_to_the_list(app, tenant_a, client_for, make, model, index, message):
    row_id = make(app, tenant_a)
    name = stored(app, tenant_a, model, row_id)
    client = client_for(tenant_a)
    response = client.post(f"{index}/{row_id}/delete")
    assert response.status_code == 302
    assert response.headers["Location"] == index
    assert stored(app, tenant_a, model, row_id) is None
    with client.session_transaction(base_url=tenant_a.base_url) as session:
        assert session["_flashes"] == [("success", message.format(name))]


@pytest.mark.parametrize(("make", "model", "index", "message"), PAGES)
def test_delete_of_an_unknown_row_is_a_404(app, tenant_a, client_for, make, model, index, message):
    assert client_for(tenant_a).post(f"{index}/{uuid.uuid4()}/delete").status_code == 404


@pytest.mark.parametrize(("make", "model", "index", "message"), PAGES)
def test_delete_without_the_permission_is_a_403(app, tenant_a, client_for, make, model, index, message):
    row_id = make(app, tenant_a)
    assert client_for(tenant_a, role="viewer").post(f"{index}/{row_id}/delete").status_code == 403
    assert stored(app, tenant_a, model, row_id) is not None


def test_a_form_that_starts_a_workflow_is_kept_with_the_reason(app, tenant_a, client_for):
    """Deleting it left the workflow reading "The form “deleted form” is submitted", active and
    never to run again, with nothing saying why or what to do."""
    from tests.crm.automation.forms_helpers import make_form
    from tests.crm.automation.workflow_helpers import make_workflow

    form_id = make_form(app, tenant_a, name="Get a quote")
    workflow_id = make_workflow(
        app, tenant_a, name="Quote follow-up", trigger={"type": "form_submitted", "form_id": str(form_id)}
    )
    client = client_for(tenant_a)
    response = client.post(f"/forms/{form_id}/delete", follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The workflow “Quote follow-up” starts when this form is submitted" in page
    assert stored(app, tenant_a, WebForm, form_id) == "Get a quote"
    with in_tenant(app, tenant_a.id):  # a form deleted before it was kept: the workflow says so
        db.session.delete(db.session.get(WebForm, (tenant_a.id, form_id)))
    assert "A deleted form is submitted: this workflow cannot run until you choose another form" in (
        client.get(f"/automations/{workflow_id}").get_data(as_text=True)
    )
