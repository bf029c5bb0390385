"""The tenant's audit log page."""
