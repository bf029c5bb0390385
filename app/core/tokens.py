"""What the database keeps of a secret token (an invitation, a reset link, a quote's public link,
a calendar feed, a booking, a form confirmation, an API key's secret): its SHA-256, never the
token, so a leaked table opens nothing. A plain SHA-256 is enough because every such token is
random and long: unlike a password, there is nothing to brute-force."""

import hashlib


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
