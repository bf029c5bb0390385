"""Products: the catalogue quote lines are picked from."""
