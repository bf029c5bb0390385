"""The form that issues an API key: a name and a grid of read/write scopes."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

from app.api.scopes import ALL_SCOPES


class ApiKeyForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    scopes = SelectMultipleField("Scopes", choices=list(ALL_SCOPES), validate_choice=True)


class ConfirmForm(FlaskForm):
    """A bare CSRF-checked POST (revoke)."""
