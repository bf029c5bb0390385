"""Subscriptions: started by accepting a quote with recurring products, reminded N days before
renewal (once), renewed into one issued invoice per period (once)."""

from datetime import date, timedelta

from sqlalchemy import func, select

from app.core.extensions import db
from app.crm.invoices.models import Invoice, InvoiceStatus
from app.crm.subscriptions.models import Subscription
from app.crm.subscriptions.services import add_months, remind_upcoming_renewals, renew_due_subscriptions
from app.crm.tasks.models import Task
from tests.conftest import in_tenant
from tests.crm.quotes.factories import make_product, make_quote, send_quote_now


def _accept_quote_with_a_retainer(app, tenant, client_for):
    retainer = make_product(app, tenant, name="SEO retainer", unit_price="1800.00", recurring_interval="monthly")
    audit = make_product(app, tenant, name="Website audit")
    quote_id = make_quote(
        app, tenant, lines=[{"product_id": str(retainer), "quantity": "1"}, {"product_id": str(audit), "quantity": "1"}]
    )
    token = send_quote_now(app, tenant, quote_id)
    client_for(tenant, role=None).post(f"/q/{token}/accept", data={"name": "Bo Buyer", "consent": "y"})
    return quote_id


def test_months_are_added_to_the_last_day_when_shorter():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 15), 2) == date(2027, 1, 15)
    assert add_months(date(2026, 3, 31), 12) == date(2027, 3, 31)


def test_accepting_a_quote_starts_a_subscription_per_recurring_line(app, tenant_a, client_for):
    quote_id = _accept_quote_with_a_retainer(app, tenant_a, client_for)
    with in_tenant(app, tenant_a.id):
        subscriptions = db.session.scalars(select(Subscription)).all()
        assert [item.name for item in subscriptions] == ["SEO retainer"]
        subscription = subscriptions[0]
        assert (subscription.quote_id, subscription.interval, str(subscription.unit_price)) == (
            quote_id,
            "monthly",
            "1800.00",
        )
        assert subscription.next_renewal == add_months(subscription.start_date, 1)


def _accept_quote_with_lines(app, tenant, client_for, *lines):
    quote_id = make_quote(app, tenant, lines=list(lines))
    token = send_quote_now(app, tenant, quote_id)
    client_for(tenant, role=None).post(f"/q/{token}/accept", data={"name": "Bo Buyer", "consent": "y"})
    with in_tenant(app, tenant.id):
        return {
            item.name: (str(item.quantity), item.next_renewal, item.start_date)
            for item in db.session.scalars(select(Subscription))
        }


def test_a_line_counted_in_its_own_periods_is_paid_up_front_and_renews_one_period_at_a_time(app, tenant_a, client_for):
    retainer = make_product(
        app, tenant_a, name="SEO retainer", unit="month", unit_price="1800.00", recurring_interval="monthly"
    )
    hosting = make_product(
        app, tenant_a, name="Managed hosting", unit="year", unit_price="2400.00", recurring_interval="yearly"
    )
    seats = make_product(
        app, tenant_a, name="Analytics seat", unit="seat", unit_price="40.00", recurring_interval="monthly"
    )
    subscriptions = _accept_quote_with_lines(
        app,
        tenant_a,
        client_for,
        {"product_id": str(retainer), "quantity": "12"},
        {"product_id": str(hosting), "quantity": "2"},
        {"product_id": str(seats), "quantity": "5"},
    )
    retainer_quantity, retainer_renewal, start = subscriptions["SEO retainer"]
    # Twelve months were sold on the quote: each renewal after them bills one month, not twelve.
    assert (retainer_quantity, retainer_renewal) == ("1.000", add_months(start, 12))
    hosting_quantity, hosting_renewal, _ = subscriptions["Managed hosting"]
    assert (hosting_quantity, hosting_renewal) == ("1.000", add_months(start, 24))
    # Seats are what every month bills; the quote paid for the first month of them.
    seat_quantity, seat_renewal, _ = subscriptions["Analytics seat"]
    assert (seat_quantity, seat_renewal) == ("5.000", add_months(start, 1))


def test_a_part_period_quantity_is_billed_every_period(app, tenant_a, client_for):
    retainer = make_product(
        app, tenant_a, name="SEO retainer", unit="month", unit_price="1800.00", recurring_interval="monthly"
    )
    subscriptions = _accept_quote_with_lines(
        app, tenant_a, client_for, {"product_id": str(retainer), "quantity": "1.5"}
    )
    quantity, renewal, start = subscriptions["SEO retainer"]
    assert (quantity, renewal) == ("1.500", add_months(start, 1))


def test_reminder_then_renewal_each_happen_once(app, tenant_a, client_for):
    _accept_quote_with_a_retainer(app, tenant_a, client_for)
    with in_tenant(app, tenant_a.id):
        renewal = db.session.scalar(select(Subscription.next_renewal))
        reminder_day = renewal - timedelta(days=14)
        assert remind_upcoming_renewals(reminder_day - timedelta(days=1)) == 0
        assert remind_upcoming_renewals(reminder_day) == 1
        assert remind_upcoming_renewals(reminder_day + timedelta(days=1)) == 0
        tasks = db.session.scalars(select(Task)).all()
        assert [task.title for task in tasks] == [f"Renewal of SEO retainer on {renewal.isoformat()}"]
        assert renew_due_subscriptions(renewal - timedelta(days=1)) == 0
        assert renew_due_subscriptions(renewal) == 1
        assert renew_due_subscriptions(renewal) == 0
        invoice = db.session.scalar(select(Invoice).where(Invoice.title == "SEO retainer renewal"))
        assert invoice.status == InvoiceStatus.ISSUED
        assert str(invoice.total) == "2160.00"  # 1,800.00 and 20 % tax
        assert renewal.isoformat() in invoice.lines[0].description
        assert db.session.scalar(select(Subscription.next_renewal)) == add_months(renewal, 1)
        assert db.session.scalar(select(func.count()).select_from(Invoice)) == 1


def test_the_job_renews_each_workspace_on_its_own(app, tenant_a, tenant_b, client_for):
    from app.crm.subscriptions.jobs import renew_subscriptions

    _accept_quote_with_a_retainer(app, tenant_a, client_for)
    _accept_quote_with_a_retainer(app, tenant_b, client_for)
    with in_tenant(app, tenant_a.id):
        db.session.scalar(select(Subscription)).next_renewal = date.today()
    with app.app_context():
        renew_subscriptions()
        renew_subscriptions()
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Invoice)) == 1
    with in_tenant(app, tenant_b.id):
        assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0


def test_the_renewal_reminder_is_a_task_for_the_owner_in_the_tasks_list(app, tenant_a, client_for):
    _accept_quote_with_a_retainer(app, tenant_a, client_for)
    with in_tenant(app, tenant_a.id):
        subscription = db.session.scalar(select(Subscription))
        renewal, subscription_id, owner_id = subscription.next_renewal, subscription.id, subscription.owner_id
        assert owner_id is not None
        assert remind_upcoming_renewals(renewal - timedelta(days=3)) == 1
        assert remind_upcoming_renewals(renewal - timedelta(days=2)) == 0
        [task] = db.session.scalars(select(Task)).all()
        assert (task.owner_id, task.due_date, task.related_id, task.status) == (
            owner_id,
            renewal,
            subscription_id,
            "open",
        )
        title = task.title
    client = client_for(tenant_a)
    assert title in client.get("/tasks").get_data(as_text=True)
    assert title in client.get(f"/subscriptions/{subscription_id}?tab=tasks").get_data(as_text=True)


def test_a_subscription_cannot_renew_before_it_starts(app, tenant_a, api_client_for, client_for):
    """A renewal before the start would bill, at the next run of the job, a period the customer
    had not bought yet: the API and the form refuse it, on create and on edit."""
    api = api_client_for(tenant_a)
    body = {"name": "Hosting", "interval": "yearly", "unit_price": "10", "start_date": "2026-12-01"}
    refused = api.post("/api/v1/subscriptions", json={**body, "next_renewal": "2026-11-01"})
    assert refused.status_code == 422
    assert "next_renewal" in refused.get_json()["error"]["details"]
    created = api.post("/api/v1/subscriptions", json={**body, "next_renewal": "2027-12-01"})
    assert created.status_code == 201
    subscription_id = created.get_json()["id"]
    edited = client_for(tenant_a).post(
        f"/subscriptions/{subscription_id}/edit",
        data={**body, "start_date": "2028-01-01", "next_renewal": "2027-12-01"},
    )
    assert edited.status_code == 422
    assert "renew before it starts" in edited.get_data(as_text=True)
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(Subscription.start_date)) == date(2026, 12, 1)


def test_an_unknown_billing_period_is_refused_in_words(app, tenant_a, api_client_for):
    body = {"name": "Hosting", "interval": "weekly", "unit_price": "10"}
    refused = api_client_for(tenant_a).post("/api/v1/subscriptions", json=body)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"]["interval"] == ["Choose a valid billing period."]


def test_a_subscriptions_quantity_reads_as_typed_not_padded_to_three_places(app, tenant_a, client_for):
    _accept_quote_with_a_retainer(app, tenant_a, client_for)
    with in_tenant(app, tenant_a.id):
        subscription_id = db.session.scalar(select(Subscription.id))
    client = client_for(tenant_a)
    page = client.get(f"/subscriptions/{subscription_id}").get_data(as_text=True)
    assert 'data-testid="fact-quantity">1<' in page
    form = client.get(f"/subscriptions/{subscription_id}/edit").get_data(as_text=True)
    assert 'name="quantity" id="f-quantity" value="1"' in form


def test_a_read_only_workspace_is_left_out_of_the_renewal_job_instead_of_failing_it(
    app, tenant_a, tenant_b, client_for, set_tenant
):
    """A canceled agency issues no more invoices to its customers, and the job that renews
    everyone else's subscriptions does not report a failure for it every morning."""
    from app.crm.subscriptions.jobs import renew_subscriptions

    _accept_quote_with_a_retainer(app, tenant_a, client_for)
    _accept_quote_with_a_retainer(app, tenant_b, client_for)
    for tenant in (tenant_a, tenant_b):
        with in_tenant(app, tenant.id):
            db.session.scalar(select(Subscription)).next_renewal = date.today()
    set_tenant(tenant_b, status="canceled")
    with app.app_context():
        summary = renew_subscriptions()
    assert summary["failed"] == 0
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Invoice)) == 1
    with in_tenant(app, tenant_b.id):
        assert db.session.scalar(select(func.count()).select_from(Invoice)) == 0
        assert db.session.scalar(select(Subscription.next_renewal)) == date.today()


def test_a_discounted_recurring_line_renews_at_the_price_the_customer_accepted(app, tenant_a, client_for):
    """A retainer accepted at 1,800.00 a month less 10 % started a subscription at 1,800.00, so
    every renewal invoice billed 180.00 more a month than the quote the customer signed; an
    amount off the line (5 seats at 40.00, less 50.00) was dropped the same way."""
    retainer = make_product(app, tenant_a, name="SEO retainer", unit_price="1800.00", recurring_interval="monthly")
    seats = make_product(
        app, tenant_a, name="Analytics seat", unit="seat", unit_price="40.00", recurring_interval="monthly"
    )
    _accept_quote_with_lines(
        app,
        tenant_a,
        client_for,
        {"product_id": str(retainer), "quantity": "1", "discount_kind": "percent", "discount_value": "10"},
        {"product_id": str(seats), "quantity": "5", "discount_kind": "amount", "discount_value": "50"},
    )
    with in_tenant(app, tenant_a.id):
        prices = {
            item.name: (str(item.quantity), str(item.unit_price)) for item in db.session.scalars(select(Subscription))
        }
        assert prices == {"SEO retainer": ("1.000", "1620.00"), "Analytics seat": ("5.000", "30.00")}
        for item in db.session.scalars(select(Subscription)):
            item.next_renewal = date.today()
    with in_tenant(app, tenant_a.id):
        assert renew_due_subscriptions() == 2
        renewals = db.session.scalars(select(Invoice).where(Invoice.title.like("% renewal"))).all()
        assert sorted(str(invoice.subtotal) for invoice in renewals) == ["150.00", "1620.00"]


def test_a_yen_retainer_with_an_amount_off_starts_at_a_whole_yen_price(app, tenant_a, client_for):
    """3 seats at ¥1,000 less ¥100 is ¥966.67 a seat in sen, which yen do not have: the
    subscription (and the customer's acceptance that starts it) failed on it."""
    from app.crm.quotes.models import Quote, QuoteStatus

    seats = make_product(
        app, tenant_a, name="Seat", unit="seat", unit_price="1000", currency="JPY", recurring_interval="monthly"
    )
    quote_id = make_quote(
        app,
        tenant_a,
        currency="JPY",
        lines=[{"product_id": str(seats), "quantity": "3", "discount_kind": "amount", "discount_value": "100"}],
    )
    token = send_quote_now(app, tenant_a, quote_id)
    client_for(tenant_a, role=None).post(f"/q/{token}/accept", data={"name": "Bo Buyer", "consent": "y"})
    with in_tenant(app, tenant_a.id):
        assert db.session.get(Quote, (tenant_a.id, quote_id)).status == QuoteStatus.ACCEPTED
        assert str(db.session.scalar(select(Subscription.unit_price))) == "967.00"


def test_a_subscriptions_status_has_its_colour_on_the_list(app, tenant_a, api_client_for, client_for):
    # Active and cancelled subscriptions were the same grey pill on the list.
    body = {"name": "Hosting", "interval": "yearly", "unit_price": "10", "start_date": "2026-12-01"}
    assert api_client_for(tenant_a).post("/api/v1/subscriptions", json=body).status_code == 201
    assert "stage-active tone-success" in client_for(tenant_a).get("/subscriptions").get_data(as_text=True)
