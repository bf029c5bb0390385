"""Workflow automation: a trigger from the domain events, conditions, ordered steps, a run log."""
