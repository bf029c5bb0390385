"""The company form."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.crm.companies.models import COMPANY_SIZES
from app.crm.forms import AddressMixin, CheckboxesField, address_values, custom_values, fill_address


class CompanyForm(AddressMixin, FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    domain = StringField("Website domain", description="example.com — used to match leads and contacts")
    industry = StringField("Industry", validators=[Length(max=80)])
    size = SelectField("Size", choices=[("", "—")] + [(size, f"{size} people") for size in COMPANY_SIZES], default="")
    phone = StringField("Phone", render_kw={"inputmode": "tel"})
    description = TextAreaField("Description", validators=[Length(max=5000)], render_kw={"rows": 3})
    parent_id = SelectField("Parent company", choices=[], validate_choice=False)
    owner_id = SelectField("Owner", choices=[], validate_choice=False)
    tag_ids = CheckboxesField("Tags", choices=[], validate_choice=False)

    def fill_from(self, company) -> None:
        for name in ("name", "domain", "industry", "size", "phone", "description"):
            getattr(self, name).data = getattr(company, name) or ""
        self.parent_id.data = str(company.parent_id or "")
        self.owner_id.data = str(company.owner_id or "")
        self.tag_ids.data = [str(tag.id) for tag in company.tags]
        fill_address(self, company)

    def to_data(self, definitions) -> dict:
        data = {name: (getattr(self, name).data or "") for name in ("name", "industry", "size", "description")}
        data.update(
            domain=self.domain.data or None,
            phone=self.phone.data or "",
            parent_id=self.parent_id.data or None,
            owner_id=self.owner_id.data or None,
            tag_ids=list(self.tag_ids.data or []),
            address=address_values(self),
        )
        if definitions:
            data["custom_fields"] = custom_values(self, definitions)
        return data
