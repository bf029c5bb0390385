"""The agency's own workspace: the apex landing page and signup, agency settings, demo data."""
