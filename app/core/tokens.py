"""What the database keeps of a secret token sent to someone (an invitation, a reset link, a
quote's public link, a calendar feed, a booking, a form confirmation): its SHA-256, never the
token, so a leaked table opens nothing."""

import hashlib


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
