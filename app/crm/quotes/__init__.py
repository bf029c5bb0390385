"""Quotes: priced proposals with line items, numbered, versioned, sent as a PDF and a public
link the customer accepts (typed name and consent) or rejects."""
