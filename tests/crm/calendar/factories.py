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


@endpoint_factory("booking.page")
def booking_page(app, tenant):
    from app.core.extensions import db
    from app.crm.calendar.models import BookingType
    from tests.conftest import in_tenant

    booking_type_id = make_booking_type(app, tenant)
    with in_tenant(app, tenant.id):
        return {"slug": db.session.get(BookingType, (tenant.id, booking_type_id)).slug}


@endpoint_factory("booking.manage")
@endpoint_factory("booking.cancel")
@endpoint_factory("booking.reschedule")
def booking_link(app, tenant):
    """A real booking's private link: the first free slot of a page open every day, all day."""
    from datetime import timedelta

    from app.core.extensions import db
    from app.core.types import utcnow
    from app.crm.calendar.booking import book, free_slots
    from app.crm.calendar.models import BookingType
    from tests.conftest import in_tenant

    every_day = {day: [["00:00", "23:30"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    booking_type_id = make_booking_type(app, tenant, availability=every_day, min_notice_minutes=0)
    with in_tenant(app, tenant.id):
        booking_type = db.session.get(BookingType, (tenant.id, booking_type_id))
        slot = free_slots(booking_type, (utcnow() + timedelta(days=1)).date(), 1)[0]
        result = book(booking_type, {"slot": slot.start.isoformat(), "name": "Ada", "email": "ada@example.org"})
        return {"token": result.token}
