"""At 375 px every page here fits the screen — the lists, the team, forecast, plan and tags pages,
documents, the console's overview — with nothing behind a sideways scroll or broken mid-word, and
the bulk-action bar appears only once something is selected (on a desktop too)."""

import os

import pytest

from tests.crm.automation.forms_helpers import make_form
from tests.crm.factories import make_contact, make_lead, make_tag
from tests.crm.tasks.factories import make_task

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("ATRIUM_SCREENSHOTS")


def _shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=False)


def _overflow(page) -> int:
    """How far the page, or a scrolling table inside it, reaches past its box sideways (0:
    nothing is cut off or hidden behind a sideways scroll)."""
    return page.evaluate(
        """() => Math.max(
            document.documentElement.scrollWidth - window.innerWidth,
            ...Array.from(document.querySelectorAll(".table-responsive"), (box) => box.scrollWidth - box.clientWidth))"""
    )


def _room_left_in_role_selects(page) -> list[float]:
    """For each role select: its inner width minus the width of the role it shows."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('select[aria-label="Role"]'), (select) => {
            const style = getComputedStyle(select);
            const context = document.createElement("canvas").getContext("2d");
            context.font = style.font;
            const text = context.measureText(select.options[select.selectedIndex].text).width;
            return select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - text;
        })"""
    )


@pytest.fixture
def busy_tenant(app, make_tenant):
    tenant = make_tenant("busy")
    for index in range(8):
        make_contact(app, tenant, first_name=f"Person{index}", last_name="Longsurname-Doublebarrel")
        make_lead(app, tenant, name=f"Prospect {index} of Northwind Traders International", status="contacted")
    return tenant


@pytest.mark.parametrize("width", [375, 1280])
def test_pages_fit_and_the_bulk_bar_waits_for_a_selection(live_server, page_at, busy_tenant, width):
    page = page_at(width)
    live_server.sign_in(page, busy_tenant.slug)
    for path in ("/settings/users", "/settings/audit", "/leads", "/contacts", "/companies"):
        page.goto(live_server.url(path, slug=busy_tenant.slug))
        _shot(page, f"{path.strip('/').replace('/', '-')}-{width}")
        assert _overflow(page) <= 0, path
        if path == "/leads":
            # The figure a row is read for stays on a phone (`list_on_phones`); the rest waits for room.
            assert page.get_by_role("columnheader", name="Status").is_visible()
            assert page.get_by_role("columnheader", name="Source").is_visible() == (width > 375)
        if path == "/settings/users":
            room = _room_left_in_role_selects(page)
            assert len(room) == 3  # the only owner's role is shown, not offered
            assert min(room) >= 0, room  # "Admin", not "Ad"
    for path in ("/leads", "/contacts"):
        page.goto(live_server.url(path, slug=busy_tenant.slug))
        bar = page.locator('[data-testid="bulk-form"]')
        assert not bar.is_visible(), path
        page.locator('input[name="ids"]').first.check()
        bar.wait_for(state="visible")
        _shot(page, f"{path.strip('/')}-selected-{width}")
        page.locator('input[name="ids"]').first.uncheck()
        bar.wait_for(state="hidden")


def test_apex_pages_fit_a_phone_and_lead_to_sign_in(live_server, page_at, busy_tenant):
    page = page_at(375)
    for path in ("/", "/pricing", "/login"):
        page.goto(live_server.url(path))
        _shot(page, f"apex{path.replace('/', '-')}-375")
        assert _overflow(page) <= 0, path
    page.click('[data-testid="nav-sign-in"]')
    page.fill("#address", busy_tenant.slug)
    page.click('[data-testid="workspace-address-submit"]')
    page.wait_for_url(live_server.url("/login", slug=busy_tenant.slug))
    assert page.locator('[data-testid="login-form"]').is_visible()


def test_page_header_buttons_wrap_to_a_new_row_instead_of_breaking_their_words(app, live_server, page_at, busy_tenant):
    """At 375 px the buttons beside a page's title squeezed into one row: "Start now" and
    "Automate" broke over two lines, icons stacked above the words."""
    form_id = make_form(app, busy_tenant)
    page = page_at(375)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url(f"/forms/{form_id}", slug=busy_tenant.slug))
    _shot(page, "form-header-375")
    heights = page.evaluate(
        """() => Array.from(document.querySelector("h1").parentElement.nextElementSibling.querySelectorAll(".btn"), (button) => {
            const style = getComputedStyle(button);
            return button.getBoundingClientRect().height / parseFloat(style.lineHeight);
        })"""
    )
    assert len(heights) >= 3
    assert max(heights) < 2, heights  # one line of text (with its padding) per button
    assert _overflow(page) <= 0


UNNAMED_CONTROLS = """() => Array.from(document.querySelectorAll("main button, main a.btn, main .btn"))
    .filter((el) => el.offsetParent !== null)
    .filter((el) => !(el.innerText.trim() || el.getAttribute("aria-label") || el.getAttribute("title")))
    .map((el) => el.outerHTML.slice(0, 160))"""


def test_buttons_a_phone_shows_as_icons_keep_their_names(app, live_server, page_at, busy_tenant):
    """At 375 px the words of "Filters", "Subscribe", "Booking pages", "Board", "Mark read"…
    were display:none, which left icon-only buttons that a screen reader names with nothing."""
    make_task(app, busy_tenant, title="Call back", owner_id=str(busy_tenant.users["sales"]))
    page = page_at(375)
    live_server.sign_in(page, busy_tenant.slug, role="sales")
    for path in ("/contacts", "/calendar", "/meetings", "/deals/board", "/deals/forecast", "/tasks", "/notifications"):
        page.goto(live_server.url(path, slug=busy_tenant.slug))
        assert page.evaluate(UNNAMED_CONTROLS) == [], path
    assert page.get_by_role("button", name="Mark read").is_visible()
    page.goto(live_server.url("/contacts", slug=busy_tenant.slug))
    assert page.get_by_role("button", name="Filters").is_visible()


@pytest.mark.parametrize("width", [375, 1280])
def test_a_records_activity_comes_right_after_its_header_on_a_phone(app, live_server, page_at, busy_tenant, width):
    """At 375 px the log form and the timeline came only after every fact card: a phone now shows
    the Activity pane under the header, the facts one tap away; a desktop shows both."""
    contact_id = make_contact(
        app,
        busy_tenant,
        first_name="Ada",
        title="Analyst",
        phones=[{"number": "+14155550123"}],
        address={"line1": "1 Main St", "city": "Springfield", "country": "US"},
    )
    page = page_at(width)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url(f"/contacts/{contact_id}", slug=busy_tenant.slug))
    log_form = page.locator('[data-testid="log-activity-form"]')
    facts = page.locator('[data-testid="fact-phones"]')
    timeline = page.locator('[data-testid="timeline"]')
    _shot(page, f"contact-{width}")
    assert log_form.is_visible()
    assert timeline.is_visible()
    assert log_form.bounding_box()["y"] < page.viewport_size["height"]  # no scrolling to reach it
    switch = page.locator('[data-testid="record-panes"]')
    if width == 375:
        assert not facts.is_visible()
        page.click('[data-testid="record-pane-details"]')
        _shot(page, f"contact-details-{width}")
        assert facts.is_visible()
        assert not log_form.is_visible()
        page.click('[data-testid="record-pane-activity"]')
        assert log_form.is_visible()
    else:
        assert not switch.is_visible()
        assert facts.is_visible()
    assert _overflow(page) <= 0


BROKEN_CHANGE_LABELS = """() => Array.from(document.querySelectorAll('[data-testid="changes"] td:first-child'), (cell) => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const lines = new Set(Array.from(range.getClientRects(), (box) => Math.round(box.top))).size;
    return [cell.innerText.trim(), lines, cell.innerText.trim().split(/\\s+/).length];
}).filter(([, lines, words]) => lines > words)"""


def test_a_quotes_lines_and_its_changes_fit_a_phone(app, live_server, page_at, busy_tenant):
    """At 375 px a quote's amounts hid behind a sideways scroll, and the timeline's field names
    ("Valid until") broke letter by letter beside long old and new values."""
    from app.core.extensions import db
    from app.crm.quotes.models import Quote
    from app.crm.quotes.services import update_quote
    from tests.conftest import in_tenant
    from tests.crm.factories import _owner
    from tests.crm.quotes.factories import make_quote

    lines = [
        {"description": "Managed hosting", "quantity": "1", "unit": "year", "unit_price": "2400.00", "tax_rate": "20"},
        {"description": "Design sprint", "quantity": "4", "unit": "day", "unit_price": "1500.00", "tax_rate": "20"},
    ]
    quote_id = make_quote(app, busy_tenant, lines=lines)
    with in_tenant(app, busy_tenant.id):
        quote = db.session.get(Quote, (busy_tenant.id, quote_id))
        update_quote(
            quote,
            {"valid_until": "2031-01-19", "lines": [*lines, {**lines[0], "quantity": "2"}]},
            actor=_owner(busy_tenant),
        )
    page = page_at(375)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url(f"/quotes/{quote_id}", slug=busy_tenant.slug))
    _shot(page, "quote-375")
    assert page.get_by_test_id("quote-total").is_visible()
    assert page.locator('[data-testid="changes"]').count() >= 1
    assert page.evaluate(BROKEN_CHANGE_LABELS) == []
    assert _overflow(page) <= 0


def test_the_forecasts_tables_stack_on_a_phone(app, live_server, page_at, busy_tenant):
    """At 375 px the forecast's tables (eight columns by month, four by owner and pipeline…)
    hid their figures behind a sideways scroll: each row now stacks its figures, each named."""
    from app.records.normalize import workspace_today
    from tests.conftest import in_tenant
    from tests.crm.deals.helpers import add_deals

    with in_tenant(app, busy_tenant.id):  # the workspace's own "today"
        closing = workspace_today().isoformat()
    add_deals(
        app,
        busy_tenant,
        [
            {"name": "Rebrand", "value": "1250000", "stage": "Proposal", "expected_close_date": closing},
            {"name": "Website", "value": "480000", "stage": "Negotiation", "expected_close_date": closing},
            {"name": "Retainer", "value": "2300000", "stage": "Closed won"},
            {"name": "Undated", "value": "900"},
        ],
    )
    page = page_at(375)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url("/deals/forecast", slug=busy_tenant.slug))
    _shot(page, "forecast-375")
    assert _overflow(page) <= 0
    weighted = page.get_by_test_id("forecast-row").first.locator('td[data-label="Weighted"]')
    assert weighted.is_visible()
    assert weighted.evaluate("""(cell) => getComputedStyle(cell, "::before").content""") == '"Weighted"'
    # The months ahead without deals were a card of seven zeros each: one short line now.
    quiet = page.locator('[data-testid="forecast-row"].stack-quiet').last
    assert quiet.inner_text().strip().endswith("· no deals")
    assert quiet.bounding_box()["height"] < weighted.bounding_box()["height"] * 1.5
    assert not quiet.locator('td[data-label="Weighted"]').is_visible()


ONE_LINE_LABELS = """(selector) => Array.from(document.querySelectorAll(selector), (el) =>
    [el.innerText.trim(), el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)])
    .filter(([, lines]) => lines >= 2)"""

FIGURES_OFF_THE_RIGHT = """() => Array.from(document.querySelectorAll('[data-testid="usage-list"] > li'), (row) => {
    const figures = row.querySelector('[data-testid="usage-figures"]');
    return [row.dataset.testid, row.getBoundingClientRect().right - figures.getBoundingClientRect().right];
}).filter(([, gap]) => gap > 1)"""


def test_the_plan_page_fits_a_phone(app, live_server, page_at, busy_tenant, set_tenant):
    """At 375 px the plan card's "Payment due since" and "Full access until" broke over two lines
    beside their dates, and a long figure ("0 of 1,000,000 this month") fell under its label at
    the left, away from the other rows' figures."""
    from datetime import timedelta

    from app.core.types import utcnow

    set_tenant(
        busy_tenant,
        status="past_due",
        past_due_since=utcnow() - timedelta(days=3),
        status_reason="Card declined by the issuing bank",
        limit_overrides={"emails_per_month": 1_000_000},
    )
    page = page_at(375)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url("/settings/plan", slug=busy_tenant.slug))
    _shot(page, "plan-375")
    assert page.locator('[data-testid="plan-card"] dt').count() == 3
    assert page.evaluate(ONE_LINE_LABELS, '[data-testid="plan-card"] dt') == []
    assert page.evaluate(FIGURES_OFF_THE_RIGHT) == []
    assert _overflow(page) <= 0


def _sign_in_to_the_console(live_server, page) -> None:
    from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

    page.goto(live_server.url("/login", slug="admin"))
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url("/", slug="admin"))


def test_the_consoles_overview_fits_a_phone(live_server, page_at, platform_admin, busy_tenant):
    """At 375 px the console's plan-by-status table hid its Suspended, Canceled and Total columns
    behind a sideways scroll: each plan's row now stacks its counts, each named by its status."""
    page = page_at(375)
    _sign_in_to_the_console(live_server, page)
    _shot(page, "console-overview-375")
    assert _overflow(page) <= 0
    total = page.get_by_test_id("plan-status-totals").locator('td[data-label="Total"]')
    assert total.is_visible()
    assert total.evaluate("""(cell) => getComputedStyle(cell, "::before").content""") == '"Total"'


def test_form_submissions_show_their_status_on_a_phone(app, client_for, live_server, page_at, busy_tenant):
    """At 375 px the submissions list pushed its Status column behind a sideways scroll, past a
    long address and the form's name: a phone now shows the form under the address."""
    from tests.crm.automation.forms_helpers import fill_and_send

    form_id = make_form(app, busy_tenant, name="Book a strategy workshop")
    visitor = client_for(busy_tenant, role=None)
    for email in ("priya.ramanathan@monsoon-tea-company.example", "ingrid@nordlys.example"):
        fill_and_send(visitor, form_id, {"name": "Visitor", "email": email})
    page = page_at(375)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url("/forms/submissions", slug=busy_tenant.slug))
    _shot(page, "form-submissions-375")
    statuses = page.get_by_test_id("submissions").locator("tbody .badge")
    assert statuses.count() == 2
    assert all(badge.bounding_box()["x"] + badge.bounding_box()["width"] <= 375 for badge in statuses.all())
    assert page.get_by_test_id("submissions").get_by_text("Book a strategy workshop").first.is_visible()
    assert _overflow(page) <= 0


def test_an_orders_lines_with_units_fit_a_phone(app, live_server, page_at, busy_tenant):
    """At 375 px an order of a year's retainer ("12 months" at 1,800.00 a month, a total of
    "USD 24,840.00") pushed its amounts past the card: the quantity now wraps before its unit
    when the amounts need the room."""
    from tests.crm.quotes.factories import make_order

    lines = [
        {"description": "SEO retainer", "quantity": "12", "unit": "month", "unit_price": "1800.00", "tax_rate": "20"},
        {"description": "Analytics setup", "quantity": "1", "unit_price": "900.00", "tax_rate": "20"},
    ]
    order_id = make_order(app, busy_tenant, lines=lines)
    page = page_at(375)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url(f"/orders/{order_id}", slug=busy_tenant.slug))
    _shot(page, "order-375")
    assert page.get_by_test_id("quote-total").is_visible()
    assert _overflow(page) <= 0


TAG_ROWS = """() => Array.from(document.querySelectorAll('[data-testid="tags-list"] > li'), (row) => {
    const top = (el) => Math.round(el.getBoundingClientRect().top);
    const picker = row.querySelector('input[type="color"]');
    const code = row.querySelector('input[name$="-color"]');
    const name = row.querySelector('input[name$="-name"]');
    return [top(picker) === top(code), top(name) < top(picker)];
})"""


def test_each_tags_colour_stays_with_its_code_on_a_phone(app, live_server, page_at, busy_tenant):
    """At 375 px a tag's row wrapped wherever its name's length put the break: "Hot" kept its
    colour picker beside the name and sent the colour code to the next line, "Newsletter" moved
    both. Every row now has its name on one line and its colour, count and Save on the next."""
    for name in ("Hot", "Newsletter", "Partner"):
        make_tag(app, busy_tenant, name=name)
    page = page_at(375)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url("/settings/tags", slug=busy_tenant.slug))
    _shot(page, "tags-375")
    assert page.evaluate(TAG_ROWS) == [[True, True]] * 3
    assert _overflow(page) <= 0


def test_the_import_buttons_keep_their_words_on_one_line(live_server, page_at, busy_tenant):
    """At 375 px "Upload and map columns" broke over two lines beside Cancel, which stretched to
    match: the primary button now moves under Cancel when the row is too narrow for both."""
    page = page_at(375)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url("/imports/new", slug=busy_tenant.slug))
    _shot(page, "import-new-375")
    upload = page.get_by_test_id("upload")
    lines = upload.evaluate(
        """(button) => (button.getBoundingClientRect().height - parseFloat(getComputedStyle(button).paddingTop)
            - parseFloat(getComputedStyle(button).paddingBottom)) / parseFloat(getComputedStyle(button).lineHeight)"""
    )
    assert lines < 1.5, lines
    assert _overflow(page) <= 0


PLACEHOLDER_ROOM = """(input) => {
    const style = getComputedStyle(input);
    const context = document.createElement("canvas").getContext("2d");
    context.font = style.font;
    return input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
        - context.measureText(input.placeholder).width;
}"""


def test_the_log_forms_subject_hint_fits_a_phone(app, live_server, page_at, busy_tenant):
    """At 375 px the log form's subject read "Subject (optional for calls and meetin": the hint
    repeated the field's label and ran past the box. It now says only what the label does not."""
    contact_id = make_contact(app, busy_tenant, first_name="Ada")
    page = page_at(375)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url(f"/contacts/{contact_id}", slug=busy_tenant.slug))
    subject = page.get_by_test_id("log-activity-form").get_by_label("Subject")
    assert subject.get_attribute("placeholder")
    assert subject.evaluate(PLACEHOLDER_ROOM) >= 0


def test_a_record_opened_on_a_later_tab_shows_that_tab_on_a_phone(app, live_server, page_at, busy_tenant):
    """At 375 px a contact opened on its last tab (a link from elsewhere, a reload) kept its tab
    strip scrolled to the start: the highlighted tab sat off the screen to the right."""
    contact_id = make_contact(app, busy_tenant, first_name="Ada")
    page = page_at(375)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url(f"/contacts/{contact_id}", slug=busy_tenant.slug))
    page.click('[data-testid="record-pane-activity"]')
    last_tab = page.locator(".record-tabs [data-tab-link]").last.get_attribute("data-testid").removeprefix("tab-")
    page.goto(live_server.url(f"/contacts/{contact_id}?tab={last_tab}", slug=busy_tenant.slug))
    _shot(page, "contact-last-tab-375")
    strip = page.locator(".record-tabs").bounding_box()
    active = page.locator(".record-tabs .nav-link.active").bounding_box()
    assert strip["x"] <= active["x"], (strip, active)
    assert active["x"] + active["width"] <= strip["x"] + strip["width"], (strip, active)


def test_every_tab_of_a_record_is_in_sight_on_a_desktop(app, live_server, page_at, busy_tenant):
    """At 1280 px a contact's eleven tabs needed 1,276 px in an 832 px column: Quotes, Orders,
    Invoices and Subscriptions sat past its edge, in a strip a mouse gives no hint to scroll."""
    contact_id = make_contact(app, busy_tenant, first_name="Ada")
    page = page_at(1280)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url(f"/contacts/{contact_id}", slug=busy_tenant.slug))
    strip = page.locator(".record-tabs")
    assert strip.evaluate("box => box.scrollWidth <= box.clientWidth")
    box = strip.bounding_box()
    tabs = page.locator(".record-tabs [data-tab-link]").all()
    assert len(tabs) > 6
    for tab in tabs:
        tab_box = tab.bounding_box()
        assert box["x"] <= tab_box["x"], tab.inner_text()
        assert tab_box["x"] + tab_box["width"] <= box["x"] + box["width"], tab.inner_text()


def test_the_consoles_tenants_show_their_counts_on_a_phone(live_server, page_at, platform_admin, busy_tenant):
    """At 375 px the console's tenants list hid each agency's users, contacts and emails this
    month (columns kept for wider screens): a phone now stacks them under the name, each named."""
    page = page_at(375)
    _sign_in_to_the_console(live_server, page)
    page.goto(live_server.url("/tenants", slug="admin"))
    _shot(page, "console-tenants-375")
    row = page.get_by_test_id(f"tenant-row-{busy_tenant.slug}")
    for label in ("Contacts", "Emails this month"):
        count = row.locator(f'td[data-label="{label}"]')
        assert count.is_visible(), label
        assert count.evaluate("""(cell) => getComputedStyle(cell, "::before").content""") == f'"{label}"'
    assert _overflow(page) <= 0


def test_a_tasks_done_tick_is_big_enough_to_tap(app, live_server, page_at, busy_tenant):
    """At 375 px a task's done tick was a bare 22 px icon: a thumb aimed at it opened the task
    beside it instead. Its button now keeps a tap-sized box around the same icon."""
    task_id = make_task(app, busy_tenant, title="Call back", owner_id=str(busy_tenant.users["owner"]))
    page = page_at(375)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url("/tasks", slug=busy_tenant.slug))
    _shot(page, "tasks-375")
    tick = page.get_by_test_id(f"tick-{task_id}").bounding_box()
    assert tick["width"] >= 32, tick
    assert tick["height"] >= 32, tick
    assert _overflow(page) <= 0


def test_a_long_record_title_stays_beside_its_avatar_on_a_phone(app, live_server, page_at, busy_tenant):
    """At 375 px a record whose name needed two lines ("INV-2026-0002 · SEO retainer 2027", a
    double-barrelled name) dropped under its avatar, which was left alone on the first row."""
    contact_id = make_contact(app, busy_tenant, first_name="Bartholomew", last_name="Fitzgerald-Whitfield Consulting")
    page = page_at(375)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url(f"/contacts/{contact_id}", slug=busy_tenant.slug))
    _shot(page, "contact-long-title-375")
    avatar = page.locator(".record-page .avatar").first.bounding_box()
    title = page.get_by_test_id("record-title").bounding_box()
    assert avatar["x"] + avatar["width"] < title["x"], (avatar, title)
    assert title["y"] < avatar["y"] + avatar["height"], (avatar, title)
    assert _overflow(page) <= 0


def test_the_first_tab_offers_a_skip_past_the_menu(live_server, page_at, busy_tenant):
    """With the keyboard only, every page began with a dozen Tabs through the top menu before
    its own content: the first Tab now shows a "Skip to content" link that lands in the page."""
    page = page_at(1280)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url("/contacts", slug=busy_tenant.slug))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("(link) => link === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("""() => document.getElementById("main").contains(document.activeElement)""")


def test_an_automations_step_controls_are_big_enough_to_tap(app, live_server, page_at, busy_tenant):
    """At 375 px a step's move up, move down and remove buttons were bare 16 px icons side by
    side: a thumb aimed at "move down" could remove the step. Each now keeps a tap-sized box."""
    from tests.crm.automation.workflow_helpers import make_workflow

    note = {"type": "create_note", "params": {"body": "Follow up"}}
    workflow_id = make_workflow(app, busy_tenant, steps=[note, note])
    page = page_at(375)
    live_server.sign_in(page, busy_tenant.slug)
    page.goto(live_server.url(f"/automations/{workflow_id}", slug=busy_tenant.slug))
    _shot(page, "automation-steps-375")
    boxes = [
        button.bounding_box()
        for button in page.locator('button[aria-label^="Move step"], button[aria-label^="Remove step"]').all()
    ]
    assert len(boxes) == 6
    assert [box for box in boxes if box["width"] < 32 or box["height"] < 32] == []


def test_small_buttons_are_tap_sized_on_a_phone(app, live_server, page_at, busy_tenant):
    """A .btn-sm was 31 px tall at 375 px (saved views, filters, columns, a record's actions):
    under the 44 px a thumb needs. On a phone every small button and tap target is 44 px tall."""
    make_task(app, busy_tenant, title="Call back", owner_id=str(busy_tenant.users["owner"]))
    page = page_at(375)
    live_server.sign_in(page, busy_tenant.slug)
    for path in ("/contacts", "/tasks"):
        page.goto(live_server.url(path, slug=busy_tenant.slug))
        heights = page.evaluate(
            """() => Array.from(document.querySelectorAll(".btn-sm, .tap-target"))
                .filter((button) => button.offsetParent !== null)
                .map((button) => [button.textContent.trim() || button.getAttribute("aria-label"),
                                  button.getBoundingClientRect().height])"""
        )
        assert heights, path
        assert [item for item in heights if item[1] < 44] == [], path
        assert _overflow(page) <= 0, path
