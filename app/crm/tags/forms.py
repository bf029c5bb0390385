"""Creating and editing tags."""

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.core.forms import PageForm
from app.core.validation import HexColour
from app.crm.tags.models import DEFAULT_TAG_COLOR


class TagForm(PageForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=60)])
    color = StringField("Colour", default=DEFAULT_TAG_COLOR, validators=[HexColour()])

    def to_data(self) -> dict:
        return {"name": self.name.data or "", "color": (self.color.data or "").lower()}
