"""Tenant users, roles and permissions, login, invites, password reset and two-factor auth."""
