"""Fixtures shared with the plan tests."""
