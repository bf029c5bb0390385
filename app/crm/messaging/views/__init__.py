"""Messaging pages: the team's (templates, campaigns, inbox, settings), the public endpoints
recipients and Twilio call on a tenant's host, and SendGrid's webhook on the apex."""

from app.core.hosts import TenantBlueprint

# The team's pages: pages.py and campaign_pages.py add their routes to it (app/blueprints.py
# imports both); public.py and webhook.py have blueprints of their own.
bp = TenantBlueprint("messaging", __name__)
