"""How the sandbox's Cognito additions plug into moto: the handlers become methods of moto's
CognitoIdpResponse (``GetCSVHeader`` and the five user import job actions), the pool-id tag's
``create_user_pool`` replaces the backend's, and the pre-signed upload URL of an import job
(``PUT /_sandbox/cognito-import/<JobId>``) is served from the moto server's WSGI application.
Importing this module installs them (the exporter's tests rely on that).
"""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from moto.cognitoidp.models import CognitoIdpBackend
from moto.cognitoidp.responses import CognitoIdpResponse

from sandbox import routes
from sandbox.cognito import responses
from sandbox.cognito.import_jobs import JOBS, MAX_BYTES, UPLOAD_ROUTE, URL_SECONDS, now
from sandbox.cognito.models import create_user_pool

SSE_HEADER = "HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION"  # x-amz-server-side-encryption in the WSGI environ


def upload(environ: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The pre-signed URL's PUT: (HTTP status, JSON answer)."""
    job = JOBS.get(environ.get("PATH_INFO", "")[len(UPLOAD_ROUTE):])
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if job is None or not secrets.compare_digest((query.get("X-Amz-Signature") or [""])[0], job.token):
        return "403 Forbidden", {"Code": "AccessDenied", "Message": "The request signature does not match."}
    if now() - job.created > timedelta(seconds=URL_SECONDS):
        return "403 Forbidden", {"Code": "AccessDenied", "Message": "Request has expired (the URL is valid 15 minutes)."}
    if environ.get(SSE_HEADER) != "aws:kms":
        return "403 Forbidden", {"Code": "AccessDenied",
                                 "Message": "The URL is signed with the header x-amz-server-side-encryption: aws:kms."}
    if job.status != "Created":
        return "409 Conflict", {"Code": "InvalidState", "Message": f"the job is {job.status}"}
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > MAX_BYTES:
        return "400 Bad Request", {"Code": "EntityTooLarge", "Message": "the CSV file must be under 100 MB"}
    job.csv_body = environ["wsgi.input"].read(length)
    return "200 OK", {"JobId": job.job_id, "Bytes": len(job.csv_body)}


def install_route() -> None:
    """Serve the pre-signed URLs' PUT from the moto server (idempotent)."""
    routes.add("cognito-import", "PUT", lambda path: path.startswith(UPLOAD_ROUTE),
               lambda environ, start_response: routes.json_answer(start_response, *upload(environ)))


_installed = False


def install() -> None:
    """Install the handlers, the pool-id tag and the upload route (idempotent; before the first request)."""
    global _installed
    if _installed:
        return
    for action in (responses.get_csv_header, responses.create_user_import_job, responses.start_user_import_job,
                   responses.describe_user_import_job, responses.list_user_import_jobs,
                   responses.stop_user_import_job):
        setattr(CognitoIdpResponse, action.__name__, action)
    CognitoIdpBackend.create_user_pool = create_user_pool  # type: ignore[method-assign]
    install_route()
    _installed = True


install()
