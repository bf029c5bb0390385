"""Stripe billing: checkout, customer portal, verified idempotent webhooks, trials and dunning."""
