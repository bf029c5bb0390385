"""The webhook subscription form (the service checks the URL and the events)."""

from wtforms import BooleanField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length

from app.core.forms import PageForm
from app.records.event_types import event_types


class WebhookForm(PageForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    url = StringField("URL", validators=[DataRequired(), Length(max=2000)], render_kw={"inputmode": "url"})
    event_types = SelectMultipleField(
        "Events",
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
        validate_choice=False,
    )
    is_active = BooleanField("Active", default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.event_types.choices = [("*", "Every event"), *event_types().items()]

    def to_data(self) -> dict:
        return {
            "name": self.name.data or "",
            "url": self.url.data or "",
            "event_types": list(self.event_types.data or []),
            "is_active": bool(self.is_active.data),
        }
