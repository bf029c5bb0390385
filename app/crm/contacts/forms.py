"""The contact form and the list's bulk-action form."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, FormField, RadioField, SelectField, StringField
from wtforms.validators import Length

from app.crm.contacts.models import PHONE_LABELS, PREFERRED_CHANNELS, Consent, LifecycleStage
from app.crm.forms import AddressMixin, CheckboxesField, address_values, custom_values

EMAIL_ROWS = 3
PHONE_ROWS = 2
CONSENT_SOURCE_CHOICES = [("", "—"), *Consent.SOURCES.items()]


class PhoneEntry(FlaskForm):
    class Meta:
        csrf = False

    number = StringField("Phone", render_kw={"inputmode": "tel", "autocomplete": "off"})
    label = SelectField("Label", choices=list(PHONE_LABELS.items()), default="mobile")


class ContactForm(AddressMixin, FlaskForm):
    first_name = StringField("First name", validators=[Length(max=100)])
    last_name = StringField("Last name", validators=[Length(max=100)])
    title = StringField("Job title", validators=[Length(max=120)])
    emails = FieldList(StringField("Email", render_kw={"type": "email", "autocomplete": "off"}), min_entries=EMAIL_ROWS)
    primary_email = RadioField("Primary", choices=[(str(i), "Primary") for i in range(10)], default="0")
    phones = FieldList(FormField(PhoneEntry), min_entries=PHONE_ROWS)
    company_id = SelectField("Company", choices=[], validate_choice=False)
    company_role = StringField("Role at the company", validators=[Length(max=80)])
    is_primary_contact = BooleanField("Primary contact of the company")
    owner_id = SelectField("Owner", choices=[], validate_choice=False)
    lifecycle_stage = SelectField("Lifecycle stage", choices=list(LifecycleStage.LABELS.items()), default="lead")
    preferred_channel = SelectField("Preferred channel", choices=list(PREFERRED_CHANNELS.items()), default="")
    email_consent = SelectField("Email consent", choices=list(Consent.LABELS.items()), default=Consent.UNKNOWN)
    email_consent_source = SelectField("Email consent source", choices=CONSENT_SOURCE_CHOICES, default="")
    sms_consent = SelectField("SMS consent", choices=list(Consent.LABELS.items()), default=Consent.UNKNOWN)
    sms_consent_source = SelectField("SMS consent source", choices=CONSENT_SOURCE_CHOICES, default="")
    tag_ids = CheckboxesField("Tags", choices=[], validate_choice=False)

    def fill_from(self, contact) -> None:
        """Show a stored contact (GET of the edit page)."""
        from app.crm.forms import fill_address

        for name in ("first_name", "last_name", "title", "company_role", "lifecycle_stage", "preferred_channel"):
            getattr(self, name).data = getattr(contact, name)
        self.is_primary_contact.data = contact.is_primary_contact
        self.company_id.data = str(contact.company_id or "")
        self.owner_id.data = str(contact.owner_id or "")
        self.tag_ids.data = [str(tag.id) for tag in contact.tags]
        for channel in Consent.CHANNELS:
            getattr(self, f"{channel}_consent").data = getattr(contact, f"{channel}_consent")
            getattr(self, f"{channel}_consent_source").data = getattr(contact, f"{channel}_consent_source")
        emails = [email.email for email in contact.emails]
        while len(self.emails.entries) < len(emails) + 1 and len(self.emails.entries) < 10:
            self.emails.append_entry()
        for entry, address in zip(self.emails.entries, emails, strict=False):
            entry.data = address
        self.primary_email.data = str(next((i for i, e in enumerate(contact.emails) if e.is_primary), 0))
        while len(self.phones.entries) < len(contact.phones) + 1 and len(self.phones.entries) < 10:
            self.phones.append_entry()
        for entry, phone in zip(self.phones.entries, contact.phones, strict=False):
            entry.form.number.data, entry.form.label.data = phone.number, phone.label
        fill_address(self, contact)

    def to_data(self, definitions) -> dict:
        """The service's `data` from exactly the inputs this form shows."""
        primary = self.primary_email.data or "0"
        data = {
            "first_name": self.first_name.data or "",
            "last_name": self.last_name.data or "",
            "title": self.title.data or "",
            "emails": [
                {"email": entry.data.strip(), "primary": str(i) == primary}
                for i, entry in enumerate(self.emails.entries)
                if (entry.data or "").strip()
            ],
            "phones": [
                {"number": entry.form.number.data.strip(), "label": entry.form.label.data}
                for entry in self.phones.entries
                if (entry.form.number.data or "").strip()
            ],
            "company_id": self.company_id.data or None,
            "company_role": self.company_role.data or "",
            "is_primary_contact": bool(self.is_primary_contact.data),
            "owner_id": self.owner_id.data or None,
            "lifecycle_stage": self.lifecycle_stage.data,
            "preferred_channel": self.preferred_channel.data or "",
            "address": address_values(self),
            "tag_ids": list(self.tag_ids.data or []),
            "consent": {
                channel: {
                    "status": getattr(self, f"{channel}_consent").data,
                    "source": getattr(self, f"{channel}_consent_source").data or "",
                }
                for channel in Consent.CHANNELS
            },
        }
        if data["emails"] and not any(item["primary"] for item in data["emails"]):
            data["emails"][0]["primary"] = True
        if definitions:
            data["custom_fields"] = custom_values(self, definitions)
        return data


class BulkForm(FlaskForm):
    action = SelectField(
        "Action",
        choices=[
            ("assign_owner", "Assign owner"),
            ("add_tag", "Add tag"),
            ("remove_tag", "Remove tag"),
            ("delete", "Delete"),
        ],
    )
    owner_id = SelectField("Owner", choices=[], validate_choice=False)
    tag_id = SelectField("Tag", choices=[], validate_choice=False)
