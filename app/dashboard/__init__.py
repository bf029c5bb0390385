"""The tenant's home page: a greeting and a getting-started checklist."""
