"""Plan catalogue, entitlements, enforcement of limits and usage meters."""
