"""The scheduler process (`flask jobs run`), its leader lock and run log, and per-tenant jobs."""
