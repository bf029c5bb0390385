"""Coloured tags that any CRM record can carry."""
