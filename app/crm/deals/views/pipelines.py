"""Pipeline settings: pipelines, their stages (reordered by dragging) and the close reasons."""
