"""Leads: prospects that are scored, worked and converted into contacts and companies."""
