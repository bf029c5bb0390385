"""Exports: CSV and XLSX of any list, filter, segment or selection, streamed in constant
memory with formula-safe cells; and whole-workspace exports (a ZIP) for owners."""
