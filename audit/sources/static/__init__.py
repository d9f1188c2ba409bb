"""The static source: the posture snapshot from the templates resolved with the configuration."""
