"""The currencies a workspace, a product or a quote may use (ISO 4217 codes), and amounts in
them as people read them."""

from decimal import ROUND_HALF_UP, Decimal

CURRENCIES = [
    "USD",
    "EUR",
    "GBP",
    "CAD",
    "AUD",
    "NZD",
    "CHF",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "HUF",
    "RON",
    "BGN",
    "JPY",
    "CNY",
    "HKD",
    "SGD",
    "INR",
    "IDR",
    "MYR",
    "THB",
    "PHP",
    "KRW",
    "TWD",
    "ZAR",
    "NGN",
    "KES",
    "EGP",
    "MAD",
    "AED",
    "SAR",
    "ILS",
    "TRY",
    "BRL",
    "MXN",
    "ARS",
    "CLP",
    "COP",
    "PEN",
    "UAH",
]

# The symbols people write before an amount; other currencies show their code after it.
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "KRW": "₩", "ILS": "₪", "NGN": "₦"}


# ISO 4217 currencies without a minor unit: an amount in them is a whole number (¥1,500).
ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)


def decimal_places(currency: str | None) -> int:
    """How many decimals an amount in the currency has: 0 for yen or won, 2 for the rest."""
    return 0 if (currency or "").upper() in ZERO_DECIMAL else 2


def minor_unit(currency: str | None) -> Decimal:
    """The smallest amount of the currency: Decimal("0.01"), or Decimal("1") for yen."""
    return Decimal(1).scaleb(-decimal_places(currency))


def round_amount(value, currency: str | None) -> Decimal:
    """The value rounded half-up to the currency's minor unit (the cent, or the yen)."""
    return Decimal(str(value)).quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def coded_amount(value, currency: str) -> str:
    """The amount after its currency's code, as messages and timelines say it: "USD 1,000.00",
    "JPY 1,500"."""
    return f"{currency} {round_amount(value, currency):,}"


def format_amount(value, currency: str = "USD", *, short: bool = False, exact: bool = False) -> str:
    """12000 USD -> "$12,000"; 1234.5 EUR -> "€1,234.50"; 900 SEK -> "900 SEK"; 1500 JPY ->
    "¥1,500" (never "¥1,500.00": yen have no decimals); -12.3 USD -> "-$12.30";
    `short` -> "$12k", "€1.2M"; `exact` keeps every cent: "$12,000.00" (what is billed).
    Rounded half-up, as the documents' amounts are."""
    if value is None:
        return ""
    number = Decimal(str(value))
    sign = "-" if number < 0 else ""
    number = abs(number)
    symbol = SYMBOLS.get(currency or "", "")
    if short and number >= 1000:
        for limit, suffix in ((Decimal(1_000_000_000), "B"), (Decimal(1_000_000), "M"), (Decimal(1000), "k")):
            if number >= limit:
                text = f"{number / limit:,.1f}".removesuffix(".0") + suffix
                break
    elif exact or decimal_places(currency) == 0:
        text = f"{round_amount(number, currency):,}"
    else:
        text = f"{round_amount(number, currency):,}".removesuffix(".00")
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}".rstrip()
