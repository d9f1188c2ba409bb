"""compact-retention: sandbox."""
