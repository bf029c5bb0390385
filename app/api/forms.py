"""The form that issues an API key: a name and a grid of read/write scopes."""

from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

from app.api.scopes import all_scopes
from app.core.forms import PageForm


class ApiKeyForm(PageForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    scopes = SelectMultipleField("Scopes", validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Record types add their scopes when the app is wired: read them per form.
        self.scopes.choices = list(all_scopes())


class ConfirmForm(PageForm):
    """A bare CSRF-checked POST (revoke)."""
