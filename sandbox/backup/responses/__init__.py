"""Handlers of the sandbox's AWS Backup APIs, one module per topic (backups, restores, restore testing)."""
