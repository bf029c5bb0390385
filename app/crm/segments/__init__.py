"""Segments: saved AND/OR conditions over the records of one type, answered in SQL."""
