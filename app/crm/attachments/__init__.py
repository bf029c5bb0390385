"""Files attached to any record: stored per tenant, counted against the plan's storage."""
