"""Personal data: one record's data as JSON (every related row), and erasing it."""
