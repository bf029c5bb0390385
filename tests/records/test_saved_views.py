"""Saved views: a user keeps a list's search, filters, sort and columns under a name; they are
theirs alone, checked like any other input, and open the list as it was saved."""

import pytest

from app.core.errors import ValidationFailed
from app.crm.contacts.record import CONTACTS
from app.records.saved_views import ALREADY_NAMED, list_saved_views, save_view, view_query_string


def test_a_view_is_saved_checked_and_replaced_by_name(tenant_a, as_user):
    with as_user(tenant_a) as owner:
        view = save_view(
            CONTACTS,
            "Customers",
            {
                "q": "ada",
                "filters": {"lifecycle_stage": "customer"},
                "sort": "-created_at",
                "columns": ["owner", "nope"],
            },
            actor=owner,
        )
        assert view.query == {
            "q": "ada",
            "filters": {"lifecycle_stage": "customer"},
            "sort": "-created_at",
            "columns": ["owner"],
        }
        with pytest.raises(ValidationFailed) as refused:
            save_view(CONTACTS, "Customers", {"sort": "name"}, actor=owner)
        assert refused.value.details == {"name": [ALREADY_NAMED.format(name="Customers")]}
        assert view.query["sort"] == "-created_at"  # kept until its owner says to replace it
        again = save_view(CONTACTS, "Customers", {"sort": "name"}, replace=True, actor=owner)
        assert again.id == view.id
        assert again.query["sort"] == "name"
        assert "sort=name" in view_query_string(again)
        with pytest.raises(ValidationFailed):
            save_view(CONTACTS, "Bad", {"filters": {"salary": "1"}}, actor=owner)
        with pytest.raises(ValidationFailed):
            save_view(CONTACTS, "Bad", {"sort": "salary"}, actor=owner)
        with pytest.raises(ValidationFailed):
            save_view(CONTACTS, "", {}, actor=owner)


def test_views_are_personal(app, tenant_a, as_user, client_for):
    with as_user(tenant_a) as owner:
        view_id = save_view(CONTACTS, "Mine", {}, actor=owner).id
    with as_user(tenant_a, "sales") as sales:
        assert list_saved_views(CONTACTS, sales) == []
    sales_client = client_for(tenant_a, "sales")
    assert 'data-testid="saved-view"' not in sales_client.get("/contacts").get_data(as_text=True)
    assert sales_client.post(f"/contacts/views/{view_id}/delete").status_code == 404
    assert client_for(tenant_a).post(f"/contacts/views/{view_id}/delete").status_code == 302


def test_a_view_whose_filter_values_the_list_would_refuse_is_not_saved(tenant_a, as_user):
    """Saved, it would open on an error every time."""
    with as_user(tenant_a) as owner:
        for filters in ({"owner_id": "nope"}, {"created_after": "2026-13-45"}, {"lifecycle_stage": "alien"}):
            with pytest.raises(ValidationFailed):
                save_view(CONTACTS, "Broken", {"filters": filters}, actor=owner)
        assert list_saved_views(CONTACTS, owner) == []


def test_saving_under_a_taken_name_asks_before_replacing(tenant_a, as_user, client_for):
    """Saving "Customers" twice silently replaced the first view's search and filters."""
    with as_user(tenant_a) as owner:
        save_view(CONTACTS, "Customers", {"q": "ada"}, actor=owner)
    client = client_for(tenant_a)
    form = client.get("/contacts").get_data(as_text=True)
    assert 'name="replace"' in form  # the explicit choice is on the save form
    refused = client.post("/contacts/views", data={"name": "Customers", "query": "q=bob"}, follow_redirects=True)
    assert "You already have a view named “Customers”" in refused.get_data(as_text=True)
    with as_user(tenant_a) as owner:
        [kept] = list_saved_views(CONTACTS, owner)
        assert kept.query["q"] == "ada"
    replaced = client.post("/contacts/views", data={"name": "Customers", "query": "q=bob", "replace": "y"})
    assert replaced.status_code == 302
    with as_user(tenant_a) as owner:
        [view] = list_saved_views(CONTACTS, owner)
        assert view.query["q"] == "bob"


def test_a_refused_save_goes_back_to_the_list_as_it_was(tenant_a, as_user, client_for):
    """A refused name sent the user to the bare list, dropping its search, filters and sort;
    ticking "Replace" there then saved the bare list over the view they meant to keep."""
    with as_user(tenant_a) as owner:
        save_view(CONTACTS, "Customers", {"q": "ada"}, actor=owner)
    query = "q=bob&lifecycle_stage=customer&sort=-name"
    refused = client_for(tenant_a).post("/contacts/views", data={"name": "Customers", "query": query})
    assert refused.status_code == 302
    back = refused.location
    assert back.startswith("/contacts?")
    assert sorted(back.split("?", 1)[1].split("&")) == sorted(query.split("&"))


def test_a_read_only_workspace_shows_save_view_disabled_with_the_reason(make_tenant, set_tenant, client_for, as_user):
    """Saving or deleting a view is a write the read-only guard refuses: the menu let someone
    type a name only to land on the error page. Now the button is disabled, with the reason
    written once (beside New when it gives it, beside Save view for a viewer who has no New)."""
    tenant = make_tenant("frozenviews")
    with as_user(tenant, "viewer") as viewer:
        view = save_view(CONTACTS, "Mine", {"q": "ada"}, actor=viewer)
        query = view_query_string(view)
    set_tenant(tenant, status="suspended", status_reason="Held for review")
    owner_page = client_for(tenant).get("/contacts").get_data(as_text=True)
    assert 'data-testid="save-view-form"' not in owner_page
    assert 'disabled aria-describedby="why-new-record" data-testid="save-view-toggle-disabled"' in owner_page
    assert owner_page.count("nothing can be changed until it is lifted") == 1
    viewer_page = client_for(tenant, "viewer").get(f"/contacts?{query}").get_data(as_text=True)
    assert 'data-testid="save-view-form"' not in viewer_page
    assert 'id="why-save-view-toggle"' in viewer_page
    assert "/views/" not in viewer_page  # no form that deletes the view
    assert 'disabled aria-describedby="why-save-view-toggle"><i class="bi bi-trash">' in viewer_page
