"""Quote money: Decimal amounts rounded half-up per line; the document's totals are the sums."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.crm.quotes.totals import document_totals, line_amounts, round_money

CENT = Decimal("0.01")


def _fixed(low: int, high: int, places: int):
    """Decimals with `places` digits from whole numbers (fast to draw and to shrink)."""
    return st.integers(min_value=low, max_value=high).map(lambda n: Decimal(n).scaleb(-places))


quantities = _fixed(1, 100_000_000, 3)
prices = _fixed(0, 100_000_000, 2)
rates = _fixed(0, 10_000, 2)
discounts = st.one_of(
    st.tuples(st.just(""), st.just(Decimal("0"))),
    st.tuples(st.just("percent"), rates),
    st.tuples(st.just("amount"), prices),
)
lines = st.tuples(quantities, prices, discounts, rates)


def _amounts(line):
    quantity, price, (kind, value), rate = line
    return line_amounts(quantity, price, kind, value, rate)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines)
def test_a_line_is_cents_and_adds_up(line):
    amounts = _amounts(line)
    for value in (amounts.subtotal, amounts.discount, amounts.tax, amounts.total):
        assert value == value.quantize(CENT)
    assert Decimal(0) <= amounts.discount <= amounts.subtotal
    assert amounts.tax >= 0
    assert amounts.total == amounts.subtotal - amounts.discount + amounts.tax


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines)
def test_a_line_rounds_half_up_once_per_step(line):
    quantity, price, (kind, value), rate = line
    amounts = _amounts(line)
    exact_subtotal = quantity * price
    assert abs(amounts.subtotal - exact_subtotal) <= Decimal("0.005")
    if kind == "percent":
        assert amounts.discount == round_money(amounts.subtotal * value / 100)
    elif kind == "amount":
        assert amounts.discount == min(round_money(value), amounts.subtotal)
    assert amounts.tax == round_money(amounts.net * rate / 100)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines, max_size=20))
def test_document_totals_are_the_sums_of_its_lines(items):
    amounts = [_amounts(line) for line in items]
    totals = document_totals(amounts)
    assert totals.subtotal == sum((item.subtotal for item in amounts), Decimal("0"))
    assert totals.discount == sum((item.discount for item in amounts), Decimal("0"))
    assert totals.tax == sum((item.tax for item in amounts), Decimal("0"))
    assert totals.total == sum((item.total for item in amounts), Decimal("0"))


def test_half_cents_round_up():
    assert line_amounts(Decimal("1"), Decimal("0.05"), "percent", Decimal("50"), Decimal("0")).discount == Decimal(
        "0.03"
    )
    assert line_amounts(Decimal("3"), Decimal("0.35"), "", Decimal("0"), Decimal("10")).tax == Decimal("0.11")
    assert line_amounts(Decimal("0.5"), Decimal("0.01"), "", Decimal("0"), Decimal("0")).subtotal == Decimal("0.01")


def test_an_amount_discount_never_makes_a_line_negative():
    amounts = line_amounts(Decimal("1"), Decimal("100.00"), "amount", Decimal("250.00"), Decimal("20"))
    assert (amounts.discount, amounts.tax, amounts.total) == (Decimal("100.00"), Decimal("0.00"), Decimal("0.00"))
