"""compact-retention: exporter."""
