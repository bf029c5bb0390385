"""Global search: one box across every record type the user may see."""
