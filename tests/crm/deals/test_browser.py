"""The board in a real browser: a card dragged to another stage is saved (the row and its stage
history change), on a desktop with a mouse and on a 375 px phone by touch; a drop on the won
column asks for the reason first."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.core.extensions import db
from app.crm.deals.models import Deal, StageChange
from tests.conftest import in_tenant
from tests.crm.deals.helpers import add_deals

pytestmark = pytest.mark.browser


def _centre(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _column(page, stage):
    return page.locator(f'section[data-stage-name="{stage}"]')


def _mouse_drag(page, card, target):
    x, y = _centre(card)
    tx, ty = _centre(target)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 10, y + 10, steps=5)
    page.mouse.move(tx, ty, steps=20)
    page.mouse.move(tx, ty + 5, steps=5)
    page.mouse.up()


def _touch_drag(page, card, target):
    """A long press then a swipe, as a finger does it (Chrome's touch events through CDP)."""
    cdp = page.context.new_cdp_session(page)
    x, y = _centre(card)
    box, width = target.bounding_box(), page.viewport_size["width"]
    # The middle of the part of the target column that is on the screen.
    tx = (max(box["x"], 0) + min(box["x"] + box["width"], width)) / 2
    ty = box["y"] + min(box["height"], 200) / 2

    def touch(kind, px, py):
        points = [] if kind == "touchEnd" else [{"x": px, "y": py}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", x, y)
    page.wait_for_timeout(400)  # past the board's press delay, so it drags instead of scrolling
    steps = 20
    for step in range(1, steps + 1):
        touch("touchMove", x + (tx - x) * step / steps, y + (ty - y) * step / steps)
        page.wait_for_timeout(15)
    touch("touchMove", tx, ty + 4)
    touch("touchEnd", tx, ty)


def _stage_of(app, tenant, deal_id):
    with in_tenant(app, tenant.id):
        deal = db.session.get(Deal, (tenant.id, deal_id))
        history = db.session.scalars(
            select(StageChange.to_stage_name).where(StageChange.deal_id == deal_id).order_by(StageChange.changed_at)
        ).all()
        return deal.stage.name, deal.status, history


@pytest.mark.parametrize("width", [1280, 375])
def test_dragging_a_card_moves_the_deal(app, live_server, page_at, browser, make_tenant, width):
    tenant = make_tenant(f"board{width}", roles=("owner",))
    mover, _anchor = add_deals(
        app,
        tenant,
        [{"name": "Mover deal", "value": "1200"}, {"name": "Anchor deal", "value": "800", "stage": "Qualification"}],
    )
    if width < 768:
        context = browser.new_context(viewport={"width": width, "height": 800}, has_touch=True, is_mobile=True)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    else:
        page = page_at(width)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/deals/board", slug=tenant.slug))
    card = page.locator('[data-testid="deal-card"]', has_text="Mover deal")
    target = _column(page, "Qualification").locator(".deal-cards")
    if width < 768:
        # Columns scroll sideways on a phone: bring the first two side by side.
        page.locator("[data-board]").evaluate("board => board.scrollLeft = 120")
        with page.expect_response(lambda response: "/move" in response.url) as answer:
            _touch_drag(page, card, target)
    else:
        with page.expect_response(lambda response: "/move" in response.url) as answer:
            _mouse_drag(page, card, target)
    assert answer.value.status == 200
    expect(_column(page, "Qualification").get_by_test_id("column-count")).to_have_text("2")
    expect(_column(page, "Prospecting").get_by_test_id("column-count")).to_have_text("0")
    stage, status, history = _stage_of(app, tenant, mover)
    assert stage == "Qualification"
    assert status == "open"
    assert history == ["Prospecting", "Qualification"]
    # The board scrolls inside itself: the page's content never scrolls sideways (the shell's
    # navigation bar is its own concern).
    assert page.evaluate("document.getElementById('main').scrollWidth") <= width
    assert page.console_errors == []
    if width < 768:
        context.close()


def test_a_drop_on_won_asks_why_and_cancelling_snaps_back(app, live_server, page_at, make_tenant):
    tenant = make_tenant("boardwon", roles=("owner",))
    (deal_id,) = add_deals(app, tenant, [{"name": "Closer deal", "value": "5000", "stage": "Negotiation"}])
    page = page_at(1600)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/deals/board", slug=tenant.slug))
    card = page.locator('[data-testid="deal-card"]', has_text="Closer deal")
    won = _column(page, "Closed won").locator(".deal-cards")
    won.scroll_into_view_if_needed()
    _mouse_drag(page, card, won)
    modal = page.get_by_test_id("close-deal-modal")
    expect(modal).to_be_visible()
    modal.locator(".modal-footer").get_by_role("button", name="Cancel").click()
    expect(_column(page, "Negotiation").get_by_test_id("deal-card")).to_have_count(1)  # snapped back
    assert _stage_of(app, tenant, deal_id)[0] == "Negotiation"

    _mouse_drag(page, card, won)
    expect(modal).to_be_visible()
    modal.get_by_test_id("reason-won").select_option(label="Relationship")
    modal.get_by_test_id("close-note").fill("Signed after the workshop")
    with page.expect_response(lambda response: "/move" in response.url) as answer:
        modal.get_by_test_id("close-deal-confirm").click()
    assert answer.value.status == 200
    expect(_column(page, "Closed won").get_by_test_id("column-count")).to_have_text("1")
    stage, status, history = _stage_of(app, tenant, deal_id)
    assert (stage, status) == ("Closed won", "won")
    assert history[-1] == "Closed won"
    assert page.console_errors == []


def test_quotas_on_a_phone_show_whole_amounts(app, live_server, page_at, make_tenant):
    """Each month's quota input is wide enough for its amount: at 375 px "250000.00" showed as
    "250000."; and every month is on screen: each seller's row stacks its three months, named,
    where the second and third hid behind a sideways scroll."""
    from app.crm.deals.services.forecast import set_quota
    from app.records.normalize import workspace_today
    from tests.crm.deals.helpers import owner_of

    tenant = make_tenant("quotaphone", roles=("owner",))
    with in_tenant(app, tenant.id):
        owner = owner_of(tenant)
        set_quota(owner.id, workspace_today().isoformat()[:7], "250000.00", actor=owner)
    page = page_at(375)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/deals/quotas", slug=tenant.slug))
    amount = page.locator("input.quota-input").first
    expect(amount).to_have_value("250000.00")
    assert amount.evaluate("input => input.scrollWidth <= input.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    table = page.get_by_test_id("quota-table").locator("xpath=..")
    assert table.evaluate("box => box.scrollWidth - box.clientWidth") <= 0
    boxes = [box.bounding_box() for box in page.locator("input.quota-input").all()]
    assert len(boxes) == 3
    assert max(box["x"] + box["width"] for box in boxes) <= 375
    month = page.locator("td:has(input.quota-input)").nth(1)
    assert (
        month.evaluate("""(cell) => getComputedStyle(cell, "::before").content""")
        == f'"{month.get_attribute("data-label")}"'
    )
    assert page.console_errors == []


def test_the_deal_page_shows_its_stage_in_the_stages_colour(app, live_server, page_at, make_tenant):
    """The deal page's summary left a blank gap before the stage's name: its coloured dot had
    neither the board's style nor its colour there."""
    tenant = make_tenant("stagedot", roles=("owner",))
    (deal_id,) = add_deals(app, tenant, [{"name": "Dotted deal", "value": "900", "stage": "Proposal"}])
    with in_tenant(app, tenant.id):
        colour = db.session.get(Deal, (tenant.id, deal_id)).stage.color
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url(f"/deals/{deal_id}", slug=tenant.slug))
    dot = page.get_by_test_id("deal-summary").locator(".stage-dot")
    box = dot.bounding_box()
    assert box["width"] > 5
    assert box["height"] > 5
    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    assert dot.evaluate("dot => getComputedStyle(dot).backgroundColor") == f"rgb({red}, {green}, {blue})"
    assert page.console_errors == []


def test_the_deal_page_marks_a_deal_lost_and_reopens_it_at_375px(app, live_server, page_at, make_tenant):
    tenant = make_tenant("dealpage", roles=("owner",))
    (deal_id,) = add_deals(app, tenant, [{"name": "Shoot day", "value": "5000", "stage": "Proposal"}])
    page = page_at(375)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url(f"/deals/{deal_id}", slug=tenant.slug))
    page.get_by_test_id("deal-lost").click()
    form = page.get_by_test_id("deal-lost-form")
    expect(form).to_be_visible()
    page.get_by_test_id("deal-lost-save").click()  # no reason: the browser asks for one first
    assert _stage_of(app, tenant, deal_id)[1] == "open"
    page.get_by_test_id("deal-lost-reason").select_option(index=1)
    form.locator("textarea").fill("Went with an in-house team")
    page.get_by_test_id("deal-lost-save").click()
    expect(page.get_by_test_id("deal-status")).to_have_text("Lost")
    assert _stage_of(app, tenant, deal_id)[:2] == ("Closed lost", "lost")
    page.screenshot(path="/tmp/deal-lost-375.png", full_page=True)

    page.get_by_test_id("deal-reopen").click()
    page.get_by_test_id("confirm-accept").click()
    expect(page.get_by_test_id("deal-status")).to_have_text("Open")
    assert _stage_of(app, tenant, deal_id)[:2] == ("Proposal", "open")  # back where it was closed from
    assert page.console_errors == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_keyboard_moves_a_card_through_its_menu(app, live_server, page_at, make_tenant):
    tenant = make_tenant("boardkeys", roles=("owner",))
    (deal_id,) = add_deals(app, tenant, [{"name": "Keyboard deal", "value": "900"}])
    page = page_at(1280)
    live_server.sign_in(page, tenant.slug)
    page.goto(live_server.url("/deals/board", slug=tenant.slug))
    card = page.locator('[data-testid="deal-card"]', has_text="Keyboard deal")
    card.locator(".deal-card-title").focus()
    page.keyboard.press("Tab")  # from the deal's link to its move menu
    menu_button = card.get_by_test_id("deal-move")
    expect(menu_button).to_be_focused()
    expect(menu_button).to_have_accessible_name("Move Keyboard deal to another stage")

    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    choice = card.get_by_role("button", name="Qualification")
    expect(choice).to_be_focused()  # the first of the other stages; its own is not offered
    with page.expect_response(lambda response: "/move" in response.url) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 200
    expect(page.get_by_test_id("board-message")).to_have_text("Moved Keyboard deal to Qualification.")
    expect(_column(page, "Qualification").get_by_test_id("deal-card")).to_have_count(1)
    expect(menu_button).to_be_focused()  # the keyboard stays with the card
    assert _stage_of(app, tenant, deal_id)[:2] == ("Qualification", "open")

    page.keyboard.press("Enter")
    card.get_by_role("button", name="Closed won").focus()
    page.keyboard.press("Enter")  # won asks why, as a drop does
    modal = page.get_by_test_id("close-deal-modal")
    expect(modal).to_be_visible()
    expect(modal).to_be_focused()  # opened
    page.keyboard.press("Escape")
    expect(_column(page, "Qualification").get_by_test_id("deal-card")).to_have_count(1)  # put back
    expect(menu_button).to_be_focused()
    assert _stage_of(app, tenant, deal_id)[0] == "Qualification"
    assert page.console_errors == []
