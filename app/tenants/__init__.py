"""Tenants (agencies), their domains, host resolution, signup and row-level security."""
