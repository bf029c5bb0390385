"""Outgoing webhooks: per-event subscriptions, HMAC-signed deliveries with retries, a delivery log."""
