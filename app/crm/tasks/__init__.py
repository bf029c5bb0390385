"""Tasks: to-dos with a due date, priority, assignee, related record and recurrence."""
