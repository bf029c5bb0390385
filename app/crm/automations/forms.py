"""Forms of the workflow builder. The settings form is WTForms; condition rows and step
parameters are read from the posted table and checked by the services."""

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import PageForm
from app.crm.automations.services import TRIGGERS

CONDITION_ROWS = 5


class WorkflowForm(PageForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("What it is for", validators=[Optional(), Length(max=500)], render_kw={"rows": 2})
    trigger_type = SelectField("When", choices=list(TRIGGERS.items()))
    record_type = SelectField("Record type", validate_choice=False)
    trigger_field = SelectField("Field", validate_choice=False, validators=[Optional()])
    trigger_value = StringField("Changed to (empty: any change)", validators=[Optional(), Length(max=200)])
    trigger_event = SelectField("Event", validate_choice=False, validators=[Optional()])
    trigger_form = SelectField("Form", validate_choice=False, validators=[Optional()])
    trigger_days = StringField("Days", validators=[Optional(), Length(max=4)])
    trigger_hour = StringField("Hour (the workspace's time zone)", validators=[Optional(), Length(max=2)])
    match = SelectField(
        "Match",
        choices=[("all", "all of these rules"), ("any", "any of these rules")],
        default="all",
        validate_choice=False,
    )

    def trigger_data(self) -> dict:
        kind = self.trigger_type.data
        trigger = {"type": kind, "record_type": self.record_type.data}
        if kind == "field_changed":
            trigger.update(field=self.trigger_field.data, value=self.trigger_value.data or "")
        elif kind == "date_reached":
            trigger.update(field=self.trigger_field.data, days_before=self.trigger_days.data or 0)
        elif kind == "no_activity":
            trigger.update(days=self.trigger_days.data)
        elif kind == "schedule":
            trigger.update(hour=self.trigger_hour.data)
        elif kind == "event":
            trigger = {"type": kind, "event": self.trigger_event.data}
        elif kind == "form_submitted":
            trigger = {"type": kind, "form_id": self.trigger_form.data or None, "record_type": self.record_type.data}
        return trigger

    def conditions_data(self, posted) -> dict:
        rules = []
        for index in range(CONDITION_ROWS):
            field = posted.get(f"cond-{index}-field")
            if field:
                rules.append(
                    {
                        "field": field,
                        "op": posted.get(f"cond-{index}-op"),
                        "value": posted.get(f"cond-{index}-value", ""),
                    }
                )
        return {"match": self.match.data, "rules": rules} if rules else {}


def step_data(posted) -> dict:
    """One new step from the builder's "add a step" form."""
    kind = posted.get("type") or ""
    if kind == "branch":
        rule = {
            "field": posted.get("branch-field"),
            "op": posted.get("branch-op"),
            "value": posted.get("branch-value", ""),
        }
        return {"type": "branch", "params": {"match": "all", "rules": [rule]}, "then": [], "else": []}
    if kind == "wait":
        return {"type": "wait", "params": {"amount": posted.get("amount"), "unit": posted.get("unit")}}
    params = {}
    for key in posted:
        if key.startswith("param-"):
            values = posted.getlist(key)
            # Only a list parameter (`user_ids`) takes several values; a repeated other one its first.
            params[key.removeprefix("param-")] = values if key.endswith("_ids") else values[0]
    return {"type": kind, "params": params}
