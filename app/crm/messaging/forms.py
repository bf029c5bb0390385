"""HTML forms of messaging: templates, campaigns, one-to-one sends, replies, an unknown number's
contact, settings."""

from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import CheckedByService, PageForm
from app.crm.messaging.models import Channel

HOURS = [(str(hour), f"{hour:02d}:00") for hour in range(24)]


class TemplateForm(PageForm):
    # The service asks for each of them (the subject of an email only) at once.
    name = StringField("Name", validators=[CheckedByService(), Length(max=120)])
    channel = SelectField("Channel", choices=list(Channel.LABELS.items()))
    subject = StringField("Subject", validators=[CheckedByService(), Length(max=255)])
    text_body = TextAreaField("Text", validators=[CheckedByService(), Length(max=100_000)])
    html_body = TextAreaField("HTML (optional)", validators=[Length(max=100_000)])

    def to_data(self, creating: bool) -> dict:
        data = {
            "name": self.name.data or "",
            "subject": self.subject.data or "",
            "text_body": self.text_body.data or "",
            "html_body": self.html_body.data or "",
        }
        if creating:
            data["channel"] = self.channel.data
        return data


class CampaignForm(PageForm):
    # The service checks every rule at once (a required name, the rate's range): checked here
    # too, the form would stop at the first and show the others one submit at a time.
    name = StringField("Name", validators=[CheckedByService(), Length(max=120)])
    template_id = SelectField("Template", choices=[], validate_choice=False, validators=[CheckedByService()])
    audience = SelectField("Audience", choices=[], validate_choice=False, validators=[CheckedByService()])
    scheduled_at = DateTimeLocalField(
        "Send at (leave empty to send when you start it)", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    throttle_per_minute = IntegerField("Messages a minute, at most", default=600, validators=[Optional()])

    def to_data(self) -> dict:
        return {
            "name": self.name.data or "",
            "template_id": self.template_id.data or "",
            "audience": self.audience.data or "",
            "scheduled_at": self.scheduled_at.data.isoformat() if self.scheduled_at.data else None,
            "throttle_per_minute": self.throttle_per_minute.data,
        }


class SendForm(PageForm):
    channel = SelectField("Channel", choices=list(Channel.LABELS.items()))
    template_id = StringField("Template", validators=[Length(max=36)])
    subject = StringField("Subject", validators=[Length(max=255)])
    body = TextAreaField("Message", validators=[Length(max=100_000)])

    def to_data(self, contact_id) -> dict:
        data = {"channel": self.channel.data, "contact_id": str(contact_id) if contact_id else None}
        if self.template_id.data:
            data["template_id"] = self.template_id.data
        else:
            data["subject"] = self.subject.data or ""
            data["body"] = self.body.data or ""
        return data


class ReplyForm(PageForm):
    body = TextAreaField("Reply", validators=[DataRequired(), Length(max=1_600)])


class NumberContactForm(PageForm):
    """A new contact for an unknown number (the number is the conversation's)."""

    first_name = StringField("First name", validators=[Length(max=100)])
    last_name = StringField("Last name", validators=[Length(max=100)])
    emails = StringField("Email (optional)", validators=[Length(max=254)])

    def to_data(self) -> dict:
        email = (self.emails.data or "").strip()
        return {
            "first_name": (self.first_name.data or "").strip(),
            "last_name": (self.last_name.data or "").strip(),
            "emails": [{"email": email, "primary": True}] if email else [],
        }


class NumberOwnerForm(PageForm):
    """The contact an unknown number belongs to."""

    contact_id = StringField("Contact", validators=[Length(max=36)])


class SettingsForm(PageForm):
    from_name = StringField("From name", validators=[Length(max=100)])
    from_email = StringField("From address", validators=[Length(max=254)])
    reply_to = StringField("Reply-to address", validators=[Length(max=254)])
    sms_number = StringField("SMS number (Twilio)", validators=[Length(max=40)])
    quiet_hours_start = SelectField("Quiet hours from", choices=HOURS)
    quiet_hours_end = SelectField("until", choices=HOURS)

    def to_data(self) -> dict:
        return {
            key: getattr(self, key).data or ""
            for key in ("from_name", "from_email", "reply_to", "sms_number", "quiet_hours_start", "quiet_hours_end")
        }


class SuppressionForm(PageForm):
    channel = SelectField("Channel", choices=list(Channel.LABELS.items()))
    address = StringField("Address or number", validators=[DataRequired(), Length(max=254)])
    detail = StringField("Note", validators=[Length(max=300)])

    def to_data(self) -> dict:
        return {"channel": self.channel.data, "address": self.address.data or "", "detail": self.detail.data or ""}
