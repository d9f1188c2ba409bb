"""Cognito user import jobs, which moto 5.2.5 lacks: CreateUserImportJob, StartUserImportJob,
DescribeUserImportJob, ListUserImportJobs, StopUserImportJob, and the upload of the CSV to the job's
pre-signed URL (``PUT /_sandbox/cognito-import/<JobId>?...``). ``GetCSVHeader`` is ``sandbox.cognito_ext``'s.

What AWS documents, and the sandbox does
(https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-using-import-tool.html,
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-using-import-tool-csv-header.html,
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserImportJob.html and the
other four API pages):

* ``CreateUserImportJob`` needs ``JobName``, ``UserPoolId`` and ``CloudWatchLogsRoleArn`` (required by the API);
  the job is ``Created`` with a ``PreSignedUrl`` for one HTTP PUT of the CSV, valid 15 minutes
  (``X-Amz-Expires=900``), sent with ``x-amz-server-side-encryption: aws:kms`` as the guide's curl example does.
* The CSV: the first row is the header; column order does not matter; every column of ``GetCSVHeader`` must be
  present and no other (a job with a bad header fails as a whole, its ``CompletionMessage`` naming the column);
  per user ``cognito:username`` and ``cognito:mfa_enabled`` are required, at least one auto-verified attribute
  (``email_verified``/``phone_number_verified``) must be true (the one, if the pool has only one), ``email`` /
  ``phone_number`` present when verified, every required attribute of the pool present. A pool without an
  auto-verified attribute cannot run a job. A row that breaks a rule is counted in ``FailedUsers``; the others
  are imported: status ``RESET_REQUIRED`` (passwords are never imported), enabled, a new ``sub``, the creation
  date the import time.
* Job states: Created -> (upload, Start) Pending -> InProgress -> Succeeded | Failed; Stop of a Pending or
  InProgress job -> Stopped.

What the sandbox does differently (never proof about AWS):
* The job runs when it is looked at: the first Describe/List after Start shows ``InProgress``, the next
  ``Succeeded`` (or ``Failed``), so a caller's polling and progress are exercised deterministically. AWS runs it
  in the background at its own pace.
* No CloudWatch Logs: the role is required and must be a role ARN, but is never assumed, and nothing is logged;
  the first failed lines' reasons (line number and rule, never a value) go into ``CompletionMessage`` instead.
* The pre-signed URL is the sandbox's own route with a random token, not an S3 URL; a job whose CSV was never
  uploaded cannot start (``PreconditionNotMetException``); jobs never become ``Expired``.
* For a pool with username attributes (``email``), the imported user's username is the CSV's
  ``cognito:username`` as given (AWS's exact behaviour there is not stated in the guide; the drill compares by it).
* Quotas (one job running per pool, 500,000 users and 100 MB per file) are not enforced beyond the file size.
"""
from __future__ import annotations

import csv
import io
import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

from moto.cognitoidp.exceptions import InvalidParameterException, ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUser, flatten_attrs
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult

from sandbox.cognito_ext import csv_header


ROUTE = "/_sandbox/cognito-import/"
URL_SECONDS = 15 * 60
MAX_BYTES = 100 * 1024 * 1024
SSE_HEADER = "HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION"  # x-amz-server-side-encryption in the WSGI environ
BOOLEAN = {"true", "false"}
VERIFIED = {"email": "email_verified", "phone_number": "phone_number_verified"}
SHOWN_REASONS = 5
ROLE_ARN_PREFIX = "arn:aws:iam::"


class PreconditionNotMetException(JsonRESTError):
    def __init__(self, message: str):
        super().__init__("PreconditionNotMetException", message)


@dataclass
class Job:
    backend: CognitoIdpBackend
    job_id: str
    name: str
    pool_id: str
    role_arn: str
    url: str
    token: str
    created: datetime
    status: str = "Created"
    csv_body: bytes | None = None
    started: datetime | None = None
    completed: datetime | None = None
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    message: str | None = None
    reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = {"JobName": self.name, "JobId": self.job_id, "UserPoolId": self.pool_id, "PreSignedUrl": self.url,
               "CreationDate": self.created, "Status": self.status, "CloudWatchLogsRoleArn": self.role_arn,
               "ImportedUsers": self.imported, "SkippedUsers": self.skipped, "FailedUsers": self.failed}
        for key, value in (("StartDate", self.started), ("CompletionDate", self.completed),
                           ("CompletionMessage", self.message)):
            if value is not None:
                out[key] = value
        return out


_LOCK = threading.Lock()
JOBS: dict[str, Job] = {}  # by JobId: the upload route finds a job without knowing its account
_installed = False


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _job(backend: CognitoIdpBackend, pool_id: str, job_id: str) -> Job:
    backend.describe_user_pool(pool_id)  # ResourceNotFoundException for an unknown pool
    job = JOBS.get(job_id)
    if job is None or job.backend is not backend or job.pool_id != pool_id:
        raise ResourceNotFoundError(f"user import job {job_id} not found in user pool {pool_id}")
    return job


# ------------------------------------------------------------------------------------ the API

def create_user_import_job(self: CognitoIdpResponse) -> ActionResult:
    name, pool_id = self._get_param("JobName"), self._get_param("UserPoolId")
    role_arn = self._get_param("CloudWatchLogsRoleArn")
    if not name:
        raise InvalidParameterException("JobName is required")
    if not role_arn:
        raise InvalidParameterException("CloudWatchLogsRoleArn is required: the role Cognito writes the job's logs with")
    if not role_arn.startswith(ROLE_ARN_PREFIX) or ":role/" not in role_arn:
        raise InvalidParameterException(f"CloudWatchLogsRoleArn {role_arn!r} is not an IAM role ARN")
    self.backend.describe_user_pool(pool_id)
    job_id = "import-" + secrets.token_hex(5)
    token = secrets.token_urlsafe(24)
    host = (self.headers.get("Host") if self.headers else None) or f"127.0.0.1:{os.environ.get('MOTO_PORT', '5000')}"
    url = f"http://{host}{ROUTE}{job_id}?X-Amz-Expires={URL_SECONDS}&X-Amz-Signature={token}"
    job = Job(self.backend, job_id, name, pool_id, role_arn, url, token, _now())
    JOBS[job_id] = job
    return ActionResult({"UserImportJob": job.to_json()})


def start_user_import_job(self: CognitoIdpResponse) -> ActionResult:
    job = _job(self.backend, self._get_param("UserPoolId"), self._get_param("JobId"))
    if job.status != "Created":
        raise InvalidParameterException(f"user import job {job.job_id} is {job.status}: only a Created job starts")
    if job.csv_body is None:
        raise PreconditionNotMetException(f"user import job {job.job_id}: no CSV file was uploaded to its PreSignedUrl")
    job.status, job.started = "Pending", _now()
    return ActionResult({"UserImportJob": job.to_json()})


def describe_user_import_job(self: CognitoIdpResponse) -> ActionResult:
    job = _job(self.backend, self._get_param("UserPoolId"), self._get_param("JobId"))
    advance(job)
    return ActionResult({"UserImportJob": job.to_json()})


def list_user_import_jobs(self: CognitoIdpResponse) -> ActionResult:
    pool_id = self._get_param("UserPoolId")
    limit = self._get_param("MaxResults")
    if not isinstance(limit, int) or not 1 <= limit <= 60:
        raise InvalidParameterException("MaxResults is required: 1 to 60")
    self.backend.describe_user_pool(pool_id)
    jobs = [j for j in JOBS.values() if j.backend is self.backend and j.pool_id == pool_id]
    start = int(self._get_param("PaginationToken") or 0)
    page = jobs[start:start + limit]
    for job in page:
        advance(job)
    result: dict[str, Any] = {"UserImportJobs": [j.to_json() for j in page]}
    if start + limit < len(jobs):
        result["PaginationToken"] = str(start + limit)
    return ActionResult(result)


def stop_user_import_job(self: CognitoIdpResponse) -> ActionResult:
    job = _job(self.backend, self._get_param("UserPoolId"), self._get_param("JobId"))
    with _LOCK:
        return _stop(job)


def _stop(job: Job) -> ActionResult:
    if job.status not in ("Pending", "InProgress"):
        raise PreconditionNotMetException(f"user import job {job.job_id} is {job.status}: only a Pending or "
                                          f"InProgress job stops")
    job.status, job.completed = "Stopped", _now()
    job.message = "Import Job Stopped."
    return ActionResult({"UserImportJob": job.to_json()})


# ------------------------------------------------------------------------------------ the job itself

def advance(job: Job) -> None:
    """One step of a started job: Pending -> InProgress -> Succeeded | Failed (the sandbox's pace). Under a lock:
    the server answers requests on several threads, and two Describes must not run one job twice."""
    with _LOCK:
        if job.status == "Pending":
            job.status = "InProgress"
        elif job.status == "InProgress":
            run(job)


def run(job: Job) -> None:
    """Import every row of the uploaded CSV into the pool; see the module docstring for the rules."""
    pool = job.backend.describe_user_pool(job.pool_id)
    job.completed = _now()
    problem = header_problem(pool, job.csv_body or b"")
    if problem:
        job.status, job.message = "Failed", problem
        return
    rows = csv.reader(io.StringIO((job.csv_body or b"").decode("utf-8-sig")))
    header = next(rows)
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        reason = import_row(pool, dict(zip(header, row)) if len(row) == len(header) else None, seen)
        if reason:
            job.failed += 1
            job.reasons.append(f"line {line}: {reason}")
        else:
            job.imported += 1
    job.status = "Succeeded"
    job.message = ("Import Job Completed Successfully." if not job.failed else
                   f"Import Job Completed: {job.failed} user(s) failed; "
                   + "; ".join(job.reasons[:SHOWN_REASONS]) + ("; ..." if job.failed > SHOWN_REASONS else ""))


def auto_verified(pool: Any) -> list[str]:
    return list(pool.extended_config.get("AutoVerifiedAttributes") or [])


def header_problem(pool: Any, body: bytes) -> str | None:
    """Why the job cannot run at all (a column missing, unknown or repeated; no auto-verified attribute), or None."""
    if not auto_verified(pool):
        return "The user pool has no auto-verified attribute (email or phone_number): an import job cannot start."
    try:
        header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"))), None)
    except UnicodeDecodeError:
        return "The CSV file is not UTF-8 text."
    if not header:
        return "The CSV file is empty: its first row must be the header from GetCSVHeader."
    expected = csv_header(pool)
    for column in header:
        if header.count(column) > 1:
            return f"The CSV header repeats the column '{column}'."
        if column not in expected:
            return f"The CSV header has the column '{column}', which is not in the user pool's CSV header (GetCSVHeader)."
    for column in expected:
        if column not in header:
            return f"The CSV header lacks the column '{column}' (every column of GetCSVHeader must be present)."
    return None


def import_row(pool: Any, row: dict[str, str] | None, seen: set[str]) -> str | None:
    """Create one user from a row; the reason it fails (a rule, naming fields, never values), or None."""
    if row is None:
        return "the row does not have as many fields as the header"
    username = row.get("cognito:username", "").strip()
    if not username:
        return "cognito:username is empty"
    if username in seen or username in pool.users:
        return "cognito:username already exists in the user pool"
    if row.get("cognito:mfa_enabled", "").strip().lower() not in BOOLEAN:
        return "cognito:mfa_enabled must be true or false"
    for attribute, flag in VERIFIED.items():
        value = row.get(flag, "").strip().lower()
        if value and value not in BOOLEAN:
            return f"{flag} must be true or false"
        if value == "true" and not row.get(attribute, "").strip():
            return f"{flag} is true but {attribute} is empty"
    verifiable = auto_verified(pool)
    verified = [a for a in verifiable if row.get(VERIFIED.get(a, ""), "").strip().lower() == "true"]
    if len(verifiable) == 1 and not verified:
        return f"{VERIFIED.get(verifiable[0], verifiable[0])} must be true (the pool's only auto-verified attribute)"
    if not verified:
        return "at least one auto-verified attribute (email_verified, phone_number_verified) must be true"
    for name, attribute in pool.schema_attributes.items():
        if getattr(attribute, "required", False) and name != "sub" and not row.get(name, "").strip():
            return f"{name} is required by the user pool and empty"
    for attribute in pool.extended_config.get("UsernameAttributes") or []:
        value = row.get(attribute, "").strip()
        if value and any(flatten_attrs(u.attributes).get(attribute) == value for u in pool.users.values()):
            return f"another user of the pool already signs in with this {attribute}"
    attributes = [{"Name": k, "Value": v} for k, v in row.items()
                  if not k.startswith("cognito:") and v.strip() != ""]
    user = CognitoIdpUser(pool.id, username, None, "RESET_REQUIRED", attributes)
    pool.users[user.username] = user
    seen.add(username)
    return None


# ------------------------------------------------------------------------------------ the upload route

def upload(environ: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The pre-signed URL's PUT: (HTTP status, JSON answer)."""
    job = JOBS.get(environ.get("PATH_INFO", "")[len(ROUTE):])
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if job is None or not secrets.compare_digest((query.get("X-Amz-Signature") or [""])[0], job.token):
        return "403 Forbidden", {"Code": "AccessDenied", "Message": "The request signature does not match."}
    if _now() - job.created > timedelta(seconds=URL_SECONDS):
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
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if getattr(DomainDispatcherApplication, "_sandbox_cognito_import", False):
        return
    original = DomainDispatcherApplication.__call__

    def dispatch(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith(ROUTE) or environ.get("REQUEST_METHOD") != "PUT":
            return original(self, environ, start_response)
        status, answer = upload(environ)
        payload = json.dumps(answer).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]

    DomainDispatcherApplication.__call__ = dispatch
    DomainDispatcherApplication._sandbox_cognito_import = True


def install() -> None:
    """Add the five actions to moto's Cognito responses and serve the upload route (idempotent)."""
    global _installed
    if _installed:
        return
    for action in (create_user_import_job, start_user_import_job, describe_user_import_job, list_user_import_jobs,
                   stop_user_import_job):
        setattr(CognitoIdpResponse, action.__name__, action)
    install_route()
    _installed = True
