"""Signup and agency settings forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.agency.services import CURRENCIES, TIMEZONES
from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.core.validation import EmailAddress


class SignupForm(FlaskForm):
    agency_name = StringField("Agency name", validators=[DataRequired(), Length(max=120)])
    slug = StringField("Address", validators=[DataRequired(), Length(min=3, max=63)])
    email = EmailField("Your work email", validators=[DataRequired(), EmailAddress(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)])


class WorkspaceAddressForm(FlaskForm):
    address = StringField("Workspace address", validators=[DataRequired(), Length(max=255)])


class WorkspaceEmailForm(FlaskForm):
    email = EmailField("Your work email", validators=[DataRequired(), EmailAddress(), Length(max=254)])


class SettingsForm(FlaskForm):
    name = StringField("Agency name", validators=[DataRequired(), Length(max=120)])
    timezone = SelectField("Time zone", choices=[(tz, tz) for tz in TIMEZONES])
    currency = SelectField("Default currency", choices=[(c, c) for c in CURRENCIES])
    brand_color = StringField("Brand colour", validators=[DataRequired(), Length(min=7, max=7)])
    logo = FileField("Logo")
    remove_logo = BooleanField("Remove the current logo")
