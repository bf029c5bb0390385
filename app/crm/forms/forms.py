"""The form builder's form: plain settings through WTForms, field and consent rows read from
the posted table (`fields-<n>-label`, …) and the deal option (`deal-stage_id`, `deal-value`);
the service checks them all."""

from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import PageForm
from app.crm.forms.services import MAX_CONSENTS, MAX_FIELDS, TARGETS

BLANK_FIELD_ROWS = 3


class WebFormForm(PageForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    creates = SelectField("Submissions create", choices=list(TARGETS.items()))
    submit_label = StringField("Button text", default="Send", validators=[DataRequired(), Length(max=60)])
    thank_you_message = TextAreaField(
        "Thank-you message", default="Thank you! We will be in touch.", validators=[Optional(), Length(max=1000)]
    )
    redirect_url = StringField("Or send people to", validators=[Optional(), Length(max=2000)])
    allowed_origins = TextAreaField(
        "Sites that may embed the form", validators=[Optional(), Length(max=4000)], render_kw={"rows": 3}
    )
    double_opt_in = BooleanField("Ask people to confirm their email (double opt-in)")
    is_active = BooleanField("Accept submissions", default=True)

    def to_data(self, posted) -> dict:
        return {
            "name": self.name.data or "",
            "creates": self.creates.data,
            "submit_label": self.submit_label.data or "",
            "thank_you_message": self.thank_you_message.data or "",
            "redirect_url": self.redirect_url.data or "",
            "allowed_origins": self.allowed_origins.data or "",
            "double_opt_in": bool(self.double_opt_in.data),
            "is_active": bool(self.is_active.data),
            "fields": rows(
                posted,
                "fields",
                MAX_FIELDS,
                ("label", "maps_to", "type", "default"),
                ("required",),
                written=("label", "maps_to", "default"),
            ),
            "consents": rows(posted, "consents", MAX_CONSENTS, ("wording", "channel"), ("required",)),
            # One select of open stages ("Sales – Proposal"): the stage names its pipeline.
            "deal": {
                "stage_id": (posted.get("deal-stage_id") or "")[:40] or None,
                "value": (posted.get("deal-value") or "")[:40] or None,
            },
        }


def rows(posted, prefix: str, limit: int, texts: tuple, flags: tuple, written: tuple | None = None) -> list[dict]:
    """The rows someone wrote in: one of its `written` inputs (all its texts unless named) has a
    value. A select that always has one (a field's input type) does not make a blank row a row:
    kept, each refused save gave the builder three more blank rows."""
    found = []
    for index in range(limit + BLANK_FIELD_ROWS):
        row = {key: (posted.get(f"{prefix}-{index}-{key}") or "")[:2000] for key in texts}
        row.update({key: posted.get(f"{prefix}-{index}-{key}") in ("y", "on", "1") for key in flags})
        if any(row[key] for key in written or texts):
            found.append(row)
    return found
