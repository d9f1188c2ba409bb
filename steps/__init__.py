"""compact-retention: steps."""
