"""Importing feedback files (CSV, XLSX, JSONL): readers, column mapping, chunked runs, jobs."""
