"""Sales: pipelines and their stages, deals on a drag-and-drop board, rotting, forecasts and quotas."""
