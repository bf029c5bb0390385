"""Test mode: what each step of a workflow would do for one record, following the branches
the record's values choose, and writing nothing."""

from app.core.errors import AppError
from app.crm.automations.actions import ACTIONS, StepContext
from app.crm.automations.conditions import conditions_pass, record_values
from app.crm.automations.engine import MAX_STEPS_PER_PASS, automation_actor, flatten, wait_delay
from app.crm.automations.models import Workflow


def dry_run(workflow: Workflow, record_type, record) -> list[dict]:
    """What each step would do for `record`, following the branches its values choose; writes
    nothing: previews only read."""
    values = record_values(record_type, record)
    actor = automation_actor(workflow, 0)
    context = StepContext(workflow, None, record_type, record, actor, dry_run=True, values=values)
    outcome = [
        {
            "step": "Conditions",
            "would": "pass"
            if conditions_pass(workflow.conditions, values)
            else "not pass: the record would not enroll",
        }
    ]
    program, position = flatten(workflow.steps), 0
    while position < len(program) and len(outcome) < MAX_STEPS_PER_PASS:
        instruction = program[position]
        if instruction["op"] == "jump":
            position = instruction["to"]
            continue
        if instruction["op"] == "branch":
            passed = conditions_pass(instruction["params"], values)
            outcome.append(
                {"step": "If/else", "would": "take the “then” branch" if passed else "take the “else” branch"}
            )
            position = position + 1 if passed else instruction["else_at"]
            continue
        if instruction["op"] == "wait":
            outcome.append({"step": "Wait", "would": f"wait {wait_delay(instruction['params'])}"})
        else:
            action = ACTIONS.get(instruction["type"])
            if action is None:
                outcome.append({"step": instruction["type"], "would": "fail: unknown action"})
            else:
                try:
                    text = action.preview(context, instruction["params"])
                except AppError as exc:
                    text = f"fail: {exc.message}"
                outcome.append({"step": action.label, "would": text})
        position += 1
    return outcome
