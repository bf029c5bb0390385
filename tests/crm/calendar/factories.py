"""Factories of meetings for the generated cross-tenant test and the calendar tests."""

from tests.crm.factories import create
from tests.factories import arg_factory, endpoint_factory


@arg_factory("meeting_id")
def make_meeting(app, tenant, **data):
    from app.crm.calendar.services import create_meeting

    spec = {
        "title": "Quarterly review",
        "starts_at": "2030-03-05T10:00:00+00:00",
        "ends_at": "2030-03-05T11:00:00+00:00",
        "timezone": "UTC",
    }
    return create(app, tenant, create_meeting, {**spec, **data})


@endpoint_factory("meetings.tab")
def meeting_tab(app, tenant):
    return {"meeting_id": make_meeting(app, tenant), "key": "timeline"}


@arg_factory("booking_type_id")
def make_booking_type(app, tenant, **data):
    import uuid

    from app.crm.calendar.booking import create_booking_type

    spec = {"name": "Intro call", "slug": f"intro-{uuid.uuid4().hex[:6]}", "timezone": "UTC"}
    return create(app, tenant, create_booking_type, {**spec, **data})
