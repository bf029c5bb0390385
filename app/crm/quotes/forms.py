"""The form that sends a quote or an invoice: to whom, and a message above the document (the
service checks both again, with the same limits)."""

from wtforms import EmailField, TextAreaField
from wtforms.validators import Length, Optional

from app.core.forms import PageForm
from app.crm.quotes.sending import MAX_MESSAGE


class SendForm(PageForm):
    to = EmailField("Send to", validators=[Length(max=254)])
    message = TextAreaField("Message", validators=[Optional(), Length(max=MAX_MESSAGE)])
