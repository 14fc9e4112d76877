"""Table models over the SQLite database (ids queried with filter and sort, rows loaded in pages)."""
