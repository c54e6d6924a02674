"""Building the index: the planner and worker pool (``builder``), the per-file manifest, the
token cache (pyvi output keyed by content hash) and the progress display."""
