"""REST v1 tasks: the kit's resource, plus completing one (which brings the next of a series)."""

from app.api.gate import api_actor
from app.crm.tasks import services
from app.crm.tasks.record import TASKS
from app.records.api import record_api_blueprint
from app.records.schemas import output_schema, serialize
from app.records.services import get_record

blp = record_api_blueprint(TASKS)


@blp.route("/<uuid:task_id>/complete", methods=["POST"])
@blp.response(200, output_schema(TASKS))
def complete(task_id):
    """Mark a task done

    A repeating task gets its next occurrence (see `previous_id` chains in the list). Completing
    a task that is already done changes nothing.
    """
    actor = api_actor()
    task = get_record(TASKS, task_id, actor=actor, detail=True)
    return serialize(TASKS, services.complete_task(task, actor=actor))
