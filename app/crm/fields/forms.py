"""Defining and editing custom fields."""

from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import PageForm
from app.crm.fields.models import FieldType


class FieldDefinitionForm(PageForm):
    label = StringField("Label", validators=[DataRequired(), Length(max=80)])
    required = BooleanField("Required")
    options = TextAreaField("Options", description="One per line (select fields only).", render_kw={"rows": 3})
    help_text = StringField("Help text", validators=[Length(max=200)])

    def to_data(self) -> dict:
        return {
            "label": self.label.data or "",
            "required": bool(self.required.data),
            "options": (self.options.data or "").splitlines(),
            "help_text": self.help_text.data or "",
        }


class NewFieldDefinitionForm(FieldDefinitionForm):
    object_type = HiddenField(default="contact")
    field_type = SelectField("Type", choices=list(FieldType.LABELS.items()))
    key = StringField("Key", description="Used in the API and filters; made from the label when empty.")

    def to_data(self) -> dict:
        data = super().to_data()
        data.update(object_type=self.object_type.data, field_type=self.field_type.data)
        if self.key.data:
            data["key"] = self.key.data
        return data


class EditFieldDefinitionForm(FieldDefinitionForm):
    def fill_from(self, definition) -> None:
        self.label.data = definition.label
        self.required.data = definition.required
        self.options.data = "\n".join(definition.options or [])
        self.help_text.data = definition.help_text
