"""A moment from input (a date-time field, the calendar's window): ISO text or a datetime; one
without an offset is wall-clock time in the workspace's zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.records.capabilities import Context
from app.records.fields import DateTimeField
from app.records.normalize import Invalid, aware_moment
from tests.conftest import in_tenant


def test_an_offset_is_kept_and_z_means_utc(app, tenant_a):
    with in_tenant(app, tenant_a.id):
        assert aware_moment("2026-01-31T14:30:00Z") == datetime(2026, 1, 31, 14, 30, tzinfo=UTC)
        assert aware_moment(" 2026-01-31T14:30+02:00 ").utcoffset().total_seconds() == 7200
        moment = datetime(2026, 1, 31, 14, 30, tzinfo=UTC)
        assert aware_moment(moment) is moment


def test_wall_clock_time_is_in_the_workspace_zone(app, tenant_a, set_tenant):
    set_tenant(tenant_a, timezone="Europe/Berlin")
    with in_tenant(app, tenant_a.id):
        assert aware_moment("2026-01-31T14:30").tzinfo == ZoneInfo("Europe/Berlin")
        assert aware_moment(datetime(2026, 1, 31, 14, 30)).tzinfo == ZoneInfo("Europe/Berlin")


def test_text_that_is_no_moment_is_refused_in_the_fields_words(app, tenant_a):
    with in_tenant(app, tenant_a.id):
        with pytest.raises(ValueError):
            aware_moment("next tuesday")
        with pytest.raises(Invalid, match="Use a date and time like"):
            DateTimeField("starts_at", "Starts").clean("next tuesday", Context(None, None, {}, None))


def test_a_moment_with_no_utc_time_is_refused_not_a_server_error(app, tenant_a, set_tenant):
    """Year 1 east of UTC, or year 9999 west of it, is before or after the calendar once in
    UTC, as it is stored: refused in the field's words."""
    set_tenant(tenant_a, timezone="Europe/Berlin")
    field = DateTimeField("starts_at", "Starts")
    with in_tenant(app, tenant_a.id):
        for value in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:00-05:00", "0001-01-01T00:00"):
            with pytest.raises(Invalid, match="Use a date between the years 1 and 9999"):
                field.clean(value, Context(None, None, {}, None))
        assert field.clean("0001-01-01T12:00:00Z", Context(None, None, {}, None)).year == 1
