"""What a screen reader hears on a public booking page."""

import re

import time_machine

from tests.crm.calendar.factories import make_booking_type
from tests.crm.calendar.test_booking import MORNINGS, NOW, _slug


def test_each_free_time_is_heard_with_its_day(app, tenant_a, client_for):
    with time_machine.travel(NOW, tick=False):
        booking_type_id = make_booking_type(app, tenant_a, availability=MORNINGS, min_notice_minutes=0)
        html = client_for(tenant_a, None).get(f"/book/{_slug(app, tenant_a, booking_type_id)}").get_data(as_text=True)
    # A radio button read as "09:00" alone does not say which day: each day is a group named by it.
    days = re.findall(r"<fieldset\b[^>]*>\s*<legend\b[^>]*>([^<]+)</legend>(.*?)</fieldset>", html, re.S)
    assert [day for day, _ in days] == ["Monday 02 December", "Tuesday 03 December"]
    for _, slots in days:
        assert len(re.findall(r'<input type="radio"[^>]*name="slot"', slots)) == 6  # 09:00 to 11:30
