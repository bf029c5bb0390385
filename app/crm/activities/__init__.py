"""The activity timeline: calls, emails, SMS, meetings, notes, tasks and system events."""
