"""A priced document's dates read as every other date of the app ("05 Jan 2027"), on its page,
its sent version, the customer's link and its PDF's source: they said ISO "2027-01-05" beside
details that say "05 Jan 2027"."""

from datetime import date

import pytest

from app.core.templating import day
from tests.crm.quotes.factories import make_quote, send_quote_now


@pytest.mark.parametrize(
    ("value", "said"),
    [(date(2027, 1, 5), "05 Jan 2027"), ("2027-01-05", "05 Jan 2027"), (None, ""), ("", "")],
)
def test_a_day_is_written_as_the_app_writes_dates(value, said):
    assert day(value) == said


def test_a_quotes_validity_reads_as_a_date_on_its_page_and_the_customers_link(app, tenant_a, client_for):
    quote_id = make_quote(app, tenant_a, valid_until="2027-01-05")
    client = client_for(tenant_a)
    page = client.get(f"/quotes/{quote_id}").get_data(as_text=True)
    assert "Valid until 05 Jan 2027" in page
    token = send_quote_now(app, tenant_a, quote_id)
    public = client.get(f"/q/{token}").get_data(as_text=True)
    assert "<strong>05 Jan 2027</strong>" in public
    assert "2027-01-05<" not in page + public
