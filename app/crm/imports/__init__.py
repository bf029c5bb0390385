"""Imports: CSV and XLSX files into records of any type, mapped through the kit's columns,
checked by the type's one validator, run by the scheduler in resumable batches."""
