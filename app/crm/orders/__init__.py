"""Orders: what the customer bought, made when a quote is accepted; invoiced from its page."""
