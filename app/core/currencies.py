"""The currencies a workspace, a product or a quote may use (ISO 4217 codes), and amounts in
them as people read them."""

from decimal import Decimal

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


def format_amount(value, currency: str = "USD", *, short: bool = False) -> str:
    """12000 USD -> "$12,000"; 1234.5 EUR -> "€1,234.50"; 900 SEK -> "900 SEK";
    `short` -> "$12k", "€1.2M"."""
    if value is None:
        return ""
    number = Decimal(str(value))
    symbol = SYMBOLS.get(currency or "", "")
    if short and abs(number) >= 1000:
        for limit, suffix in ((Decimal(1_000_000_000), "B"), (Decimal(1_000_000), "M"), (Decimal(1000), "k")):
            if abs(number) >= limit:
                text = f"{number / limit:,.1f}".removesuffix(".0") + suffix
                break
    else:
        text = f"{number:,.2f}".removesuffix(".00")
    return f"{symbol}{text}" if symbol else f"{text} {currency}".rstrip()
