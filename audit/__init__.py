"""compact-retention: audit."""
