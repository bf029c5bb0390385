"""REST API v1: API keys, the gate every call passes (key, scope, plan, rate limits), errors, OpenAPI."""
