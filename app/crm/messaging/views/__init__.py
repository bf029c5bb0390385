"""Messaging pages: the team's (templates, campaigns, inbox, settings), the public endpoints
recipients and Twilio call on a tenant's host, and SendGrid's webhook on the apex."""
