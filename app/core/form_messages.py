"""WTForms' own messages in the words the rest of Atrium uses.

WTForms asks its form's translations for every message it writes ("Field cannot be longer
than 80 characters.", "Not a valid integer value."); `PlainWords` answers with ours, so every
form that builds on `app.core.forms.Form` says what to do rather than what went wrong.
Messages a field or validator sets itself are left as they are.
"""

PLAIN_MESSAGES = {
    "This field is required.": "Fill this in.",
    "Not a valid choice.": "Pick one of the options.",
    "Invalid Choice: could not coerce.": "Pick one of the options.",
    "Not a valid integer value.": "Enter a whole number, such as 12.",
    "Not a valid decimal value.": "Enter a number, such as 12.50.",
    "Not a valid float value.": "Enter a number, such as 12.5.",
    "Number must be at least %(min)s.": "Enter %(min)s or more.",
    "Number must be at most %(max)s.": "Enter %(max)s or less.",
    "Number must be between %(min)s and %(max)s.": "Enter a number from %(min)s to %(max)s.",
    "Not a valid date value.": "Enter a date, such as 2026-01-31.",
    "Not a valid datetime value.": "Enter a date and a time.",
    "Not a valid time value.": "Enter a time, such as 14:30.",
    "Date must be at least %(min)s.": "Pick %(min)s or later.",
    "Date must be at most %(max)s.": "Pick %(max)s or earlier.",
    "Date must be between %(min)s and %(max)s.": "Pick a date from %(min)s to %(max)s.",
    "Invalid email address.": "Enter an email address, such as name@example.com.",
    "Invalid URL.": "Enter a web address, such as https://example.com.",
    "Invalid UUID.": "This is not a valid reference; pick it again.",
    "Field must be equal to %(other_name)s.": "This does not match %(other_name)s.",
    "Field must be between %(min)d and %(max)d characters long.": "Use %(min)d to %(max)d characters.",
}
# (singular, plural) -> (singular, plural), for the messages WTForms counts.
PLAIN_COUNTED_MESSAGES = {
    (
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
    ): ("Use at most %(max)d character.", "Use at most %(max)d characters."),
    (
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
    ): ("Use at least %(min)d character.", "Use at least %(min)d characters."),
    (
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
    ): ("Use exactly %(max)d character.", "Use exactly %(max)d characters."),
}


class PlainWords:
    """The translations object WTForms asks (`gettext`, `ngettext`)."""

    def gettext(self, string: str) -> str:
        return PLAIN_MESSAGES.get(string, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        singular, plural = PLAIN_COUNTED_MESSAGES.get((singular, plural), (singular, plural))
        return singular if n == 1 else plural


PLAIN_WORDS = PlainWords()
