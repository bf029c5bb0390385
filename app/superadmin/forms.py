"""Console forms."""

from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.core.errors import ValidationFailed
from app.core.forms import PageForm
from app.core.validation import EmailAddress
from app.plans.catalogue import RESOURCE_LABELS
from app.plans.lifecycle import parse_limit
from app.plans.models import FEATURE_KEYS, FEATURE_LABELS, LIMIT_KEYS
from app.superadmin.plans import LIMIT_MESSAGE, new_plan_code_errors
from app.superadmin.tenants import TRIAL_ENDING, TRIAL_ENDING_DAYS
from app.tenants.models import TenantStatus


class AdminLoginForm(PageForm):
    email = EmailField("Email", validators=[DataRequired(), EmailAddress()])
    password = PasswordField("Password", validators=[DataRequired()])


class AdminTotpForm(PageForm):
    code = StringField("Authentication code", validators=[DataRequired(), Length(max=12)])


class DisableAdminTotpForm(PageForm):
    password = PasswordField("Your password", validators=[DataRequired()])


class NewAdminForm(PageForm):
    email = EmailField("Email", validators=[DataRequired(), EmailAddress(), Length(max=254)])
    name = StringField("Name", validators=[Optional(), Length(max=120)])
    password = PasswordField("First password", validators=[DataRequired(), Length(max=200)])
    your_password = PasswordField("Your password", validators=[DataRequired(), Length(max=200)])


class TenantSearchForm(PageForm):
    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=100)])
    plan = SelectField("Plan", choices=[("", "All plans")], validate_choice=False)
    status = SelectField(
        "Status",
        choices=[
            ("", "All statuses"),
            *TenantStatus.LABELS.items(),
            (TRIAL_ENDING, f"Trial ends in {TRIAL_ENDING_DAYS} days"),
        ],
    )
    sort = SelectField(
        "Sort",
        choices=[("newest", "Newest first"), ("oldest", "Oldest first"), ("name", "Name"), ("slug", "Address")],
    )


class ChangePlanForm(PageForm):
    plan = SelectField("New plan", choices=[], validate_choice=False)
    reason = StringField("Reason (optional)", validators=[Optional(), Length(max=500)])


class LimitValue:
    """A limit the plans can read (`parse_limit`: a whole number or "unlimited"), checked with the
    form's other fields so that a bad limit is not said only in a later round."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        try:
            parse_limit(field.data)
        except ValidationFailed as exc:
            raise ValidationError(self.message) from exc


def _limit_fields(cls, *validators):
    for key in LIMIT_KEYS:
        setattr(
            cls,
            f"limit_{key}",
            StringField(RESOURCE_LABELS[key], validators=[Optional(), Length(max=20), *validators]),
        )
    return cls


def _feature_fields(cls, field_type):
    for key in FEATURE_KEYS:
        if field_type is SelectField:
            field = SelectField(
                FEATURE_LABELS[key],
                choices=[("default", "Plan default"), ("on", "Always on"), ("off", "Always off")],
                default="default",
            )
        else:
            field = BooleanField(FEATURE_LABELS[key])
        setattr(cls, f"feature_{key}", field)
    return cls


class LimitOverridesForm(PageForm):
    """Blank follows the plan; "unlimited" or a number overrides it for this agency."""


class FeatureOverridesForm(PageForm):
    pass


_limit_fields(LimitOverridesForm)
_feature_fields(FeatureOverridesForm, SelectField)


class ExtendTrialForm(PageForm):
    # InputRequired, not DataRequired: 0 is a number out of range, not a missing value.
    days = IntegerField("Extend by (days)", default=14, validators=[InputRequired(), NumberRange(min=1, max=90)])


class SuspendForm(PageForm):
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=500)])


class ReactivateForm(PageForm):
    reason = StringField("Reason (optional)", validators=[Optional(), Length(max=500)])


class ImpersonateForm(PageForm):
    # Choices: the agency's active people (the view fills them); none posted means its owner.
    user = SelectField("Sign in as", choices=[], validators=[Optional()], validate_choice=False)
    reason = StringField("Reason (shown in both audit logs)", validators=[Optional(), Length(max=200)])


class PlanForm(PageForm):
    code = StringField("Code", validators=[Optional(), Length(max=32)])
    name = StringField("Name", validators=[DataRequired(), Length(max=64)])
    description = StringField("Description", validators=[Optional(), Length(max=255)])
    price_monthly = DecimalField(
        "Monthly price (USD)",
        places=2,
        validators=[InputRequired(message="Enter a price (0 for free)."), NumberRange(min=0, max=1_000_000)],
    )
    price_yearly = DecimalField(
        "Yearly price (USD)", places=2, validators=[Optional(), NumberRange(min=0, max=10_000_000)]
    )
    stripe_price_monthly = StringField("Stripe price id, monthly", validators=[Optional(), Length(max=255)])
    stripe_price_yearly = StringField("Stripe price id, yearly", validators=[Optional(), Length(max=255)])
    is_public = BooleanField("Offered at signup and on the plan page")
    sort_order = IntegerField("Order", default=0, validators=[Optional(), NumberRange(min=0, max=1000)])


_limit_fields(PlanForm, LimitValue(LIMIT_MESSAGE))
_feature_fields(PlanForm, BooleanField)


class NewPlanForm(PlanForm):
    def validate_code(self, field):
        """Said with the other fields' mistakes, not in a round of its own."""
        for message in new_plan_code_errors((field.data or "").strip().lower()).get("code", []):
            raise ValidationError(message)
