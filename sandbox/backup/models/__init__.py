"""The sandbox's AWS Backup model, one module per topic; each backend method is set on moto's
BackupBackend by ``sandbox.backup.urls.install`` (the tables are in ``methods``)."""
