"""Forecast buckets, commit categories, won so far, performance, quotas and snapshots against
a hand computation — with month and quarter edges in the workspace's time zone (New York)."""

import json
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.core.extensions import db
from app.crm.deals.models import Deal
from app.crm.deals.services import forecast as service
from tests.conftest import in_tenant
from tests.crm.deals.helpers import add_deals, owner_of

# 15 April 2026, 08:00 in New York: the current month is April, the quarter Q2.
NOW = datetime(2026, 4, 15, 12, 0, tzinfo=UTC)
D = Decimal


@pytest.fixture
def book(app, make_tenant, set_tenant):
    """The deals of the hand computation (probabilities: Proposal 50, Negotiation 75, Prospecting 10)."""
    tenant = make_tenant("ny")
    set_tenant(tenant, timezone="America/New_York")
    from app.crm.deals.services.pipelines import default_pipeline, list_reasons

    with in_tenant(app, tenant.id):
        default_pipeline()
        lost_reason = list_reasons("lost")[0].id
    ids = add_deals(
        app,
        tenant,
        [
            {"name": "A", "value": "10000", "stage": "Proposal", "expected_close_date": "2026-04-30"},
            {"name": "B", "value": "4000", "stage": "Negotiation", "expected_close_date": "2026-05-01"},
            {"name": "C", "value": "2000", "stage": "Proposal", "probability": 90, "expected_close_date": "2026-06-30"},
            {"name": "D", "value": "1000", "expected_close_date": "2026-07-01"},
            {"name": "G overdue", "value": "500", "expected_close_date": "2026-03-31"},
            {"name": "H undated", "value": "300"},
            {"name": "E won", "value": "5000", "stage": "Closed won"},
            {"name": "F won", "value": "7000", "stage": "Closed won"},
            {"name": "L lost", "value": "900", "stage": "Closed lost", "close_reason": lost_reason},
            {
                "name": "Euro",
                "value": "999",
                "currency": "EUR",
                "stage": "Proposal",
                "expected_close_date": "2026-04-10",
            },
        ],
    )
    names = ["A", "B", "C", "D", "G", "H", "E", "F", "L", "Euro"]
    deals = dict(zip(names, ids, strict=True))
    with in_tenant(app, tenant.id):
        closing = {
            # 23:00 on 31 March in New York is already April in UTC: a March win.
            "E": (datetime(2026, 4, 1, 3, 0, tzinfo=UTC), datetime(2026, 3, 1, 3, 0, tzinfo=UTC)),
            # 00:30 on 1 April in New York: an April win, 30 days after it was created.
            "F": (datetime(2026, 4, 1, 4, 30, tzinfo=UTC), datetime(2026, 3, 2, 4, 30, tzinfo=UTC)),
            "L": (datetime(2026, 4, 2, 15, 0, tzinfo=UTC), datetime(2026, 3, 20, 15, 0, tzinfo=UTC)),
        }
        for name, (closed_at, created_at) in closing.items():
            deal = db.session.get(Deal, (tenant.id, deals[name]))
            deal.closed_at, deal.created_at = closed_at, created_at
    return tenant, deals


def _month(forecast, label):
    return next(bucket for bucket in forecast.months if bucket.label == label)


def test_months_and_categories_by_hand(app, book):
    tenant, _ = book
    with in_tenant(app, tenant.id):
        forecast = service.build_forecast(actor=owner_of(tenant), now=NOW)
        assert forecast.months[0].label == "Apr 2026"
        april = _month(forecast, "Apr 2026")
        # A: 10,000 × 50 % = 5,000 weighted; F won 7,000 (E's 23:00 NY win is March's).
        assert (april.deals, april.weighted, april.won) == (1, D("5000.00"), D("7000.00"))
        assert april.likely_total == D("17000.00")  # won + A (≥ 50 %)
        assert april.worst_total == D("7000.00")  # won only: nothing open at ≥ 80 %
        assert april.best_total == D("17000.00")
        may = _month(forecast, "May 2026")
        assert (may.weighted, may.likely_total, may.worst_total) == (D("3000.00"), D("4000.00"), D("0.00"))
        june = _month(forecast, "Jun 2026")  # C overrides its stage: 90 %
        assert (june.weighted, june.worst_total) == (D("1800.00"), D("2000.00"))
        july = _month(forecast, "Jul 2026")
        assert (july.weighted, july.best_total, july.likely_total) == (D("100.00"), D("1000.00"), D("0.00"))
        assert (forecast.overdue.deals, forecast.overdue.weighted) == (1, D("50.00"))
        assert (forecast.no_close_date.deals, forecast.no_close_date.open_value) == (1, D("300.00"))
        assert forecast.other_currencies == [{"currency": "EUR", "count": 1, "value": D("999.00")}]


def test_quarters_by_hand(app, book):
    tenant, _ = book
    with in_tenant(app, tenant.id):
        forecast = service.build_forecast(actor=owner_of(tenant), now=NOW)
        q2, q3 = forecast.quarters[0], forecast.quarters[1]
        assert (q2.label, q3.label) == ("2026 Q2", "2026 Q3")
        assert q2.weighted == D("9800.00")  # 5,000 + 3,000 + 1,800
        assert q2.won == D("7000.00")
        assert q2.likely_total == D("23000.00")  # 7,000 + 10,000 + 4,000 + 2,000
        assert q2.worst_total == D("9000.00")  # 7,000 + C
        assert q3.weighted == D("100.00")


def test_bands_change_the_categories(app, book):
    tenant, _ = book
    with in_tenant(app, tenant.id):
        service.set_forecast_bands({"best_min": "0", "likely_min": "75", "worst_min": "75"}, actor=owner_of(tenant))
        may = _month(service.build_forecast(actor=owner_of(tenant), now=NOW), "May 2026")
        assert may.worst_total == D("4000.00")  # B at 75 % is now "worst case"
        with pytest.raises(Exception, match="bands"):
            service.set_forecast_bands(
                {"best_min": "60", "likely_min": "50", "worst_min": "80"}, actor=owner_of(tenant)
            )


def test_win_rate_deal_size_and_cycle(app, book):
    tenant, _ = book
    with in_tenant(app, tenant.id):
        result = service.performance(actor=owner_of(tenant), months=2, now=NOW)
        march, april = result["periods"]
        assert (march.label, march.won, march.lost) == ("Mar 2026", 1, 0)
        assert (april.won, april.lost, april.win_rate) == (1, 1, D("50.0"))
        assert april.average_size == D("7000.00")
        assert april.average_cycle == D("30.0")
        assert result["total"].win_rate == D("66.7")


def test_quota_attainment_and_leaderboard(app, book):
    tenant, _ = book
    with in_tenant(app, tenant.id):
        owner = owner_of(tenant)
        service.set_quota(owner.id, "2026-04", "14000", actor=owner)
        rows = service.leaderboard(datetime(2026, 4, 1).date(), actor=owner)
        assert [(row["user"].id, row["won"], row["attainment"]) for row in rows] == [
            (owner.id, D("7000.00"), D("50.0"))
        ]


def test_snapshot_once_per_month_in_the_workspace_zone_and_accuracy(app, book):
    tenant, _ = book
    with in_tenant(app, tenant.id):
        # 04:59 UTC on 1 March is still 28 February in New York.
        february = service.take_snapshot(now=datetime(2026, 3, 1, 4, 59, tzinfo=UTC))
        assert february.month.isoformat() == "2026-02-01"
        march = service.take_snapshot(now=datetime(2026, 3, 1, 5, 10, tzinfo=UTC))
        assert march.month.isoformat() == "2026-03-01"
        assert service.take_snapshot(now=datetime(2026, 3, 9, tzinfo=UTC)) is None
        # On 1 March only G (500 × 10 %) was expected to close in March.
        assert march.weighted == D("50.00")
        rows = service.forecast_accuracy(actor=owner_of(tenant), now=NOW)
        by_month = {row["snapshot"].month.isoformat(): row for row in rows}
        assert by_month["2026-03-01"]["actual"] == D("5000.00")  # E, won 23:00 on 31 March
        assert by_month["2026-03-01"]["accuracy"] == D("10000.0")


def test_csv_export_has_the_months(app, book, client_for):
    tenant, _ = book
    response = client_for(tenant).get("/deals/forecast.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("Group,Period or name,Open deals")
    assert sum(line.startswith("Month,") for line in lines) == 12
    # Today every open deal of the book is past its expected close: A, B, C, D and G.
    overdue = next(line for line in lines if line.startswith("Other,Overdue"))
    # 10,000 × 50 % + 4,000 × 75 % + 2,000 × 90 % + 1,000 × 10 % + 500 × 10 %
    assert overdue.startswith("Other,Overdue (expected before this month),5,17500.00,9950.00,")
    assert client_for(tenant, "sales").get("/deals/forecast.csv").status_code == 403


def test_forecast_page_renders_chart_and_tables(app, book, client_for):
    tenant, _ = book
    html = client_for(tenant).get("/deals/forecast?period=quarter").get_data(as_text=True)
    assert 'id="forecast-chart"' in html
    assert 'data-testid="forecast-table"' in html
    assert "Q2" in html


def test_a_sales_cycle_reads_the_same_in_both_tables(app, book, client_for):
    """The periods' table wrote "30.0 days" and the people's "30.0d"."""
    import time_machine

    tenant, _ = book
    with time_machine.travel(NOW, tick=False):
        html = client_for(tenant).get("/deals/forecast").get_data(as_text=True)
    assert "30 days" in html
    assert "30.0" not in html


def test_an_average_deal_size_is_in_whole_units_as_the_figures_beside_it(app, make_tenant, client_for):
    # Two wins of $10,000 and $10,001 averaged "$10,000.50" in a column of whole dollars
    # ("$64,000", "$34,815"): an average is a summary, rounded half-up like the amounts.
    tenant = make_tenant("averages")
    add_deals(
        app,
        tenant,
        [
            {"name": "Won one", "value": "10000", "stage": "Closed won"},
            {"name": "Won two", "value": "10001", "stage": "Closed won"},
        ],
    )
    with in_tenant(app, tenant.id):
        result = service.performance(actor=owner_of(tenant), months=1)
        assert result["periods"][0].average_size == D("10001")
        assert result["total"].average_size == D("10001")
    page = client_for(tenant).get("/deals/forecast").get_data(as_text=True)
    assert 'data-label="Avg. deal">$10,001<' in page
    assert "10,000.50" not in page


def test_the_charts_won_line_stops_at_the_current_month(app, make_tenant, client_for):
    # The line of what is won fell to 0 for every month to come, as if those months were lost.
    tenant = make_tenant("wonline")
    add_deals(app, tenant, [{"name": "Won now", "value": "5000", "stage": "Closed won"}])
    client = client_for(tenant)
    for period in ("month", "quarter"):
        page = client.get(f"/deals/forecast?period={period}").get_data(as_text=True)
        chart = json.loads(re.search(r'id="forecast-chart"[^>]*>(.*?)</script>', page, re.S).group(1))
        won = next(dataset for dataset in chart["datasets"] if dataset["label"] == "Won")["values"]
        assert won[0] == 5000.0
        assert won[1:] == [None] * (len(won) - 1)


def test_the_tables_won_column_is_empty_for_months_to_come(app, make_tenant, client_for):
    # Beside the chart, the table said "$0" won (in green) for every month that has not begun.
    tenant = make_tenant("woncells")
    add_deals(app, tenant, [{"name": "Won now", "value": "5000", "stage": "Closed won"}])
    page = client_for(tenant).get("/deals/forecast").get_data(as_text=True)
    won = re.findall(
        r'data-label="Won">(.*?)</td>', page.split('data-testid="forecast-row"', 1)[1].split("</tbody>")[0]
    )
    assert won[0] == "$5,000"
    assert all("—" in cell for cell in won[1:])
    assert len(won) == 12
