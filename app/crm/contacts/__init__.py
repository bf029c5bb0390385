"""Contacts: people, their emails and phones, consent, and the customer-360 page."""
