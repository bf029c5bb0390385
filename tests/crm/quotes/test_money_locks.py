"""Money paths under concurrency (PostgreSQL): payments lock their invoice row, so concurrent
payments never lose an update or overpay; a quote is accepted once, with one order."""

import threading

import pytest
from sqlalchemy import func, select

from app.core.context import tenant_context
from app.core.errors import Conflict, ValidationFailed
from app.core.extensions import db
from app.crm.invoices.models import Invoice, InvoiceStatus, Payment
from app.crm.orders.models import Order
from app.crm.quotes.models import Quote, QuoteStatus
from tests.conftest import USE_POSTGRES, in_tenant
from tests.crm.factories import _owner
from tests.crm.quotes.factories import issue_invoice_now, make_invoice, make_quote, send_quote_now

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not USE_POSTGRES, reason="needs PostgreSQL (ATRIUM_TEST_DB=postgresql)"),
]


def _race(app, tenant, attempts: int, work) -> tuple[list, list]:
    """Run `work(loaded)` in `attempts` threads at once, each in its own transaction; `loaded`
    is read before the start line, as a request reads its record before acting on it."""
    done, refused, errors = [], [], []
    barrier = threading.Barrier(attempts)
    lock = threading.Lock()

    def worker(index: int) -> None:
        with app.app_context(), tenant_context(tenant.id):
            try:
                loaded = work.load()
                barrier.wait(timeout=30)
                result = work(loaded)
                db.session.commit()
                with lock:
                    done.append(result)
            except (Conflict, ValidationFailed) as exc:
                db.session.rollback()
                with lock:
                    refused.append(exc.message)
            except Exception as exc:
                db.session.rollback()
                with lock:
                    errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return done, refused


def test_concurrent_payments_are_applied_one_after_the_other(app, tenant_a):
    from app.crm.invoices.services import record_payment

    invoice_id = make_invoice(app, tenant_a)  # 3,600.00 with tax
    issue_invoice_now(app, tenant_a, invoice_id)
    with in_tenant(app, tenant_a.id):
        today = db.session.get(Invoice, (tenant_a.id, invoice_id)).issue_date.isoformat()

    class Pay:
        @staticmethod
        def load():
            return db.session.get(Invoice, (tenant_a.id, invoice_id))

        def __call__(self, invoice):
            return record_payment(invoice, {"amount": "1000.00", "paid_on": today}, actor=_owner(tenant_a)).amount

    done, refused = _race(app, tenant_a, 8, Pay())
    # 3 × 1,000 fit in 3,600; each later one sees the 600 left and is refused.
    assert len(done) == 3
    assert len(refused) == 5
    with in_tenant(app, tenant_a.id):
        invoice = db.session.get(Invoice, (tenant_a.id, invoice_id))
        paid = db.session.scalar(select(func.sum(Payment.amount)).where(Payment.invoice_id == invoice_id))
        assert str(invoice.amount_paid) == str(paid) == "3000.00"
        assert invoice.status == InvoiceStatus.PARTIALLY_PAID


def test_concurrent_acceptances_accept_once_and_make_one_order(app, tenant_a):
    from app.crm.quotes.services import accept_quote

    quote_id = make_quote(app, tenant_a)
    send_quote_now(app, tenant_a, quote_id)

    class Accept:
        @staticmethod
        def load():
            return db.session.get(Quote, (tenant_a.id, quote_id))

        def __call__(self, quote):
            accept_quote(quote, {"name": "Bo Buyer", "consent": True}, ip="203.0.113.9", user_agent="pytest")
            return quote.status

    done, refused = _race(app, tenant_a, 4, Accept())
    assert done == [QuoteStatus.ACCEPTED]
    assert len(refused) == 3
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Order).where(Order.quote_id == quote_id)) == 1


def test_concurrent_renewal_jobs_remind_and_invoice_each_renewal_once(app, tenant_a):
    from datetime import timedelta

    from app.crm.subscriptions.models import Subscription
    from app.crm.subscriptions.services import remind_upcoming_renewals, renew_due_subscriptions
    from app.crm.tasks.models import Task
    from tests.crm.factories import make_record

    subscription_id = make_record(app, tenant_a, "subscription")
    with in_tenant(app, tenant_a.id):
        renewal = db.session.get(Subscription, (tenant_a.id, subscription_id)).next_renewal

    class Run:
        def __init__(self, job, day):
            self.job, self.day = job, day

        @staticmethod
        def load():
            return None

        def __call__(self, _):
            return self.job(self.day)

    # Two scheduler processes (or a retried job) at the same moment: the row lock lets one act.
    reminded, _ = _race(app, tenant_a, 4, Run(remind_upcoming_renewals, renewal - timedelta(days=14)))
    renewed, _ = _race(app, tenant_a, 4, Run(renew_due_subscriptions, renewal))
    assert sorted(reminded) == [0, 0, 0, 1]
    assert sorted(renewed) == [0, 0, 0, 1]
    with in_tenant(app, tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(Task)) == 1
        assert db.session.scalar(select(func.count()).select_from(Invoice)) == 1
        assert db.session.get(Subscription, (tenant_a.id, subscription_id)).next_renewal > renewal
