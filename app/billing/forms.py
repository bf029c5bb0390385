"""Billing forms: the plan choice posts a plan code and an interval, never a price."""

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Optional

from app.billing.services import INTERVALS, PAID_PLANS
from app.core.forms import PageForm


class PlanChoiceForm(PageForm):
    plan = SelectField("Plan", choices=[(code, code.title()) for code in PAID_PLANS], validators=[DataRequired()])
    interval = SelectField("Billing", choices=list(INTERVALS.items()), validators=[DataRequired()])


class WebhookFilterForm(PageForm):
    class Meta:
        csrf = False

    q = StringField("Event or object id", validators=[Optional()])
    type = SelectField("Type", validators=[Optional()])
    result = SelectField("Result", validators=[Optional()])
