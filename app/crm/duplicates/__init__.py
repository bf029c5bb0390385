"""Duplicates: warnings when a record looks like one that exists, candidate pairs found by a
job, and merging records of any type into one."""
