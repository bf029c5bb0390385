"""Forms for sign-in, invitations, profiles and two-factor authentication."""

from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth.models import Role
from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.core.forms import PageForm
from app.core.validation import EmailAddress

ROLE_CHOICES = [(role, Role.LABELS[role]) for role in Role.ALL]


class LoginForm(PageForm):
    email = EmailField("Email", validators=[DataRequired(), EmailAddress()])
    password = PasswordField("Password", validators=[DataRequired()])
    next = HiddenField()


class TwoFactorForm(PageForm):
    code = StringField("Authentication code", validators=[DataRequired(), Length(max=32)])


class ForgotPasswordForm(PageForm):
    email = EmailField("Email", validators=[DataRequired(), EmailAddress()])


def new_password_field(label: str = "New password"):
    return PasswordField(
        label,
        # One bound each, so each says which way the password is wrong (PageForm words them).
        validators=[DataRequired(message="Enter a password."), Length(min=MIN_PASSWORD_LENGTH), Length(max=200)],
    )


class ResetPasswordForm(PageForm):
    password = new_password_field()
    confirm = PasswordField("Repeat password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")])


class InviteForm(PageForm):
    email = EmailField("Email", validators=[DataRequired(), EmailAddress(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.SALES)


class AcceptInvitationForm(PageForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    password = new_password_field("Password")
    confirm = PasswordField("Repeat password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")])


class RoleForm(PageForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class ProfileForm(PageForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])


class ChangePasswordForm(PageForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = new_password_field()


class EnableTotpForm(PageForm):
    code = StringField("Code from your app", validators=[DataRequired(), Length(max=12)])


class DisableTotpForm(PageForm):
    password = PasswordField("Your password", validators=[DataRequired()])


class ConfirmForm(PageForm):
    """An empty form: a button that only carries the CSRF token."""
