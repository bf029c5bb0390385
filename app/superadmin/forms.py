"""Console forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.core.validation import EmailAddress


class AdminLoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), EmailAddress()])
    password = PasswordField("Password", validators=[DataRequired()])


class AdminTotpForm(FlaskForm):
    code = StringField("Authentication code", validators=[DataRequired(), Length(max=12)])
