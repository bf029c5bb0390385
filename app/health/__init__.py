"""Health check served on every host."""
