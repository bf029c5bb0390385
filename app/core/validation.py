"""Input checks shared by forms and schemas."""

from email_validator import EmailNotValidError, validate_email
from wtforms.validators import ValidationError


def normalize_email_address(value: str) -> str:
    """Return the normalized address or raise ValueError with a readable message.

    No DNS look-ups (deliverability) and `.test` addresses allowed: demo data uses them.
    """
    try:
        result = validate_email((value or "").strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc
    return result.normalized


class EmailAddress:
    """WTForms validator built on normalize_email_address()."""

    def __init__(self, message: str | None = None):
        self.message = message

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        try:
            normalize_email_address(field.data)
        except ValueError as exc:
            raise ValidationError(self.message or "Enter a valid email address.") from exc
