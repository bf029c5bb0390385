"""The super-admin console: the only package that reads across tenants."""
