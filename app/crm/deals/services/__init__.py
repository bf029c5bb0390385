"""The deals domain's services: pipelines and stages, deals and their moves, the board,
forecasts and quotas (one module each)."""
