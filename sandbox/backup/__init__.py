"""AWS Backup in the sandbox: what moto 5.2.5 lacks, laid out as a moto service.

``models/`` holds the state and the backend methods by topic (plans, vaults, settings, recovery points,
jobs, restores, restore testing; the data a recovery point holds; the access and event rules of
restores), ``responses/`` the handlers (methods of moto's BackupResponse), ``urls.py`` the routes and
``install()``, which sets all of them on moto's classes before moto builds its Backup app.
"""
