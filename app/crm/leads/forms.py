"""The lead form and the conversion form."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.crm.forms import CheckboxesField, custom_values
from app.crm.leads.models import LeadSource, LeadStatus


class LeadForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = StringField("Email", render_kw={"type": "email", "autocomplete": "off"})
    phone = StringField("Phone", render_kw={"inputmode": "tel"})
    company_name = StringField("Company", validators=[Length(max=200)])
    title = StringField("Job title", validators=[Length(max=120)])
    source = SelectField("Source", choices=list(LeadSource.LABELS.items()), default="other")
    status = SelectField(
        "Status", choices=[(key, LeadStatus.LABELS[key]) for key in LeadStatus.EDITABLE], default="new"
    )
    lost_reason = StringField("Why was it lost?", validators=[Length(max=500)])
    estimated_value = StringField("Estimated value", render_kw={"inputmode": "decimal"})
    owner_id = SelectField("Owner", choices=[], validate_choice=False)
    notes = TextAreaField("Notes", validators=[Length(max=20_000)], render_kw={"rows": 3})
    tag_ids = CheckboxesField("Tags", choices=[], validate_choice=False)

    def fill_from(self, lead) -> None:
        for name in ("name", "email", "phone", "company_name", "title", "source", "status", "lost_reason", "notes"):
            getattr(self, name).data = getattr(lead, name) or ""
        self.estimated_value.data = str(lead.estimated_value) if lead.estimated_value is not None else ""
        self.owner_id.data = str(lead.owner_id or "")
        self.tag_ids.data = [str(tag.id) for tag in lead.tags]

    def to_data(self, definitions, *, converted: bool = False) -> dict:
        names = ("name", "email", "phone", "company_name", "title", "source", "lost_reason", "notes")
        data = {name: (getattr(self, name).data or "").strip() for name in names}
        data.update(
            estimated_value=self.estimated_value.data or None,
            owner_id=self.owner_id.data or None,
            tag_ids=list(self.tag_ids.data or []),
        )
        if not converted:
            data["status"] = self.status.data
        data["email"] = data["email"] or None
        if definitions:
            data["custom_fields"] = custom_values(self, definitions)
        return data


class ConvertForm(FlaskForm):
    create_deal = BooleanField("Also create a deal")
