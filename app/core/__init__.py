"""Shared building blocks: ids, tenant context, scoped models, errors, pagination."""
