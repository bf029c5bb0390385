"""The record kit: a record type is declared once, and its validator, pages, REST resource,
OpenAPI schemas, events, permissions and field catalogue are derived from the declaration.

CRM domains (`app.crm.*`) declare their types with it; it knows none of them.
"""
