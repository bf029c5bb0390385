"""Signup and agency settings forms."""

from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from app.agency.services import CURRENCIES, TIMEZONES, check_slug
from app.auth.forms import new_password_field
from app.core.errors import ValidationFailed
from app.core.forms import PageForm
from app.core.validation import EmailAddress, HexColour


class SignupForm(PageForm):
    agency_name = StringField("Agency name", validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        "Address",
        validators=[
            DataRequired(message="Choose an address."),
            Length(min=3, max=63, message="Use 3 to 63 lowercase letters, digits and hyphens."),
        ],
    )
    name = StringField("Your name", validators=[DataRequired(message="Enter your name."), Length(max=120)])
    email = EmailField("Your work email", validators=[DataRequired(), EmailAddress(), Length(max=254)])
    password = new_password_field("Password")
    # Filled by app.js with the browser's zone; an unknown one leaves the workspace on UTC.
    timezone = HiddenField(validators=[Length(max=64)])

    def validate_slug(self, field):
        """The address's own rules (reserved, shape, taken), said with the other fields' mistakes
        rather than in a round of their own that asks for the password again."""
        if field.errors:
            return
        try:
            check_slug(field.data)
        except ValidationFailed as exc:
            raise ValidationError(exc.one_line()) from exc


class WorkspaceAddressForm(PageForm):
    address = StringField("Workspace address", validators=[DataRequired(), Length(max=255)])


class WorkspaceEmailForm(PageForm):
    email = EmailField("Your work email", validators=[DataRequired(), EmailAddress(), Length(max=254)])


class SettingsForm(PageForm):
    name = StringField("Agency name", validators=[DataRequired(), Length(max=120)])
    timezone = SelectField("Time zone", choices=[(tz, tz) for tz in TIMEZONES])
    currency = SelectField("Default currency", choices=[(c, c) for c in CURRENCIES])
    brand_color = StringField("Brand colour", validators=[HexColour("#4f46e5")])
    logo = FileField("Logo")
    remove_logo = BooleanField("Remove the current logo")
