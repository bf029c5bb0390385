"""Invoices: from an accepted quote or on their own, numbered when issued, paid in one or more
payments that appear on the customer's timeline; what was paid is the customer's lifetime value."""
