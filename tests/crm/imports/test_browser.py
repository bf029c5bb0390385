"""An import in a real browser, on a desktop and a phone: upload a CSV, check the guessed
columns and the preview, start it, watch the progress finish, download the rejected rows."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.crm.imports.helpers import run_job

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 375])
def test_import_a_csv_and_follow_its_progress(app, live_server, page_at, make_tenant, width, tmp_path):
    import uuid

    tenant = make_tenant(f"imports{width}", roles=("owner",))
    csv_file = tmp_path / "fair-leads.csv"
    csv_file.write_text(
        "Given name,Surname,E-mail,Stage\nAda,Lovelace,ada@example.test,Customer\nBob,Builder,not-an-email,lead\n"
    )
    page = page_at(width)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/contacts", slug=tenant.slug))
    page.get_by_test_id("import-link").click()
    page.get_by_test_id("import-file").set_input_files(str(csv_file))
    page.get_by_test_id("upload").click()
    selects = page.get_by_test_id("map-select")
    expect(selects).to_have_count(4)
    assert selects.nth(0).input_value() == "first_name"
    assert selects.nth(2).input_value() == "emails"
    preview = page.get_by_test_id("preview-row")
    expect(preview).to_have_count(2)
    assert "not-an-email" in preview.nth(1).inner_text()
    page.get_by_test_id("start-import").click()
    expect(page.get_by_test_id("import-progress")).to_be_visible()
    import_id = uuid.UUID(page.url.rstrip("/").rsplit("/", 1)[-1])
    run_job(app, tenant, import_id)  # the scheduler's part
    expect(page.get_by_test_id("import-status")).to_have_text("Completed", timeout=10_000)  # the page polls
    expect(page.get_by_test_id("count-created_count")).to_have_text("1")
    expect(page.get_by_test_id("count-failed_count")).to_have_text("1")
    with page.expect_download() as download:
        page.get_by_test_id("rejected-csv").click()
    assert "not-an-email" in Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_cancel_works_while_the_progress_keeps_refreshing(app, live_server, page_at, make_tenant, width, tmp_path):
    """The progress block swaps itself every second, Cancel's form with it: confirming after a
    refresh still cancels (the form that asked was no longer in the page, so nothing was sent)."""
    tenant = make_tenant(f"cancel{width}", roles=("owner",))
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("First name,Email\nAda,ada@example.test\nBob,bob@example.test\n")
    page = page_at(width)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/imports/new", slug=tenant.slug))
    page.get_by_test_id("import-file").set_input_files(str(csv_file))
    page.get_by_test_id("upload").click()
    page.get_by_test_id("start-import").click()
    expect(page.get_by_test_id("import-status")).to_have_text("Queued")  # no scheduler here: it stays queued
    page.get_by_test_id("cancel-import").click()
    expect(page.get_by_test_id("confirm-accept")).to_be_visible()
    with page.expect_response(lambda response: "/imports/" in response.url and response.request.method == "GET"):
        pass  # a refresh of the progress block while the question is open
    page.get_by_test_id("confirm-accept").click()
    expect(page.get_by_text("Cancelling after the current batch.")).to_be_visible()
    expect(page.get_by_test_id("import-status")).to_have_text("Cancelled")  # it had not begun
    assert page.console_errors == []
