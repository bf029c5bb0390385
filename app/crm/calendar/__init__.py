"""Meetings and the calendar: meetings as a record type, a month/week/day calendar with drag
to reschedule, email invitations with an .ics, private ICS feeds, and public booking links."""
