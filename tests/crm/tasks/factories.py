"""Factories of tasks for the generated cross-tenant test and the task tests."""

from tests.crm.factories import create
from tests.factories import arg_factory, endpoint_factory


@arg_factory("task_id")
def make_task(app, tenant, **data):
    from app.crm.tasks.services import create_task

    return create(app, tenant, create_task, {"title": "Send the proposal", "due_date": "2030-01-15", **data})


@endpoint_factory("tasks.tab")
def task_tab(app, tenant):
    return {"task_id": make_task(app, tenant), "key": "timeline"}
