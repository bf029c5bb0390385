"""Email and SMS with customers: templates, one-to-one messages, campaigns, two-way SMS,
tracking, consent and suppression (on top of app.messaging's providers and outbox)."""
