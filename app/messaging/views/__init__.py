"""Messaging pages: the dev mailbox (apex), the team's pages (tenant), the public endpoints
recipients and providers call (tenant host, no sign-in) and SendGrid's webhook (apex)."""
