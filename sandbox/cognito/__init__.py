"""Cognito in the sandbox: GetCSVHeader, the pool-id tag (``models``), user import jobs
(``import_jobs``), their handlers (``responses``) and the upload route with ``install()`` (``urls``)."""
