"""Cognito user import jobs, which moto 5.2.5 lacks: CreateUserImportJob, StartUserImportJob,
DescribeUserImportJob, ListUserImportJobs, StopUserImportJob, and the upload of the CSV to the job's
pre-signed URL (``PUT /_sandbox/cognito-import/<JobId>?...``). ``GetCSVHeader`` is ``sandbox.cognito.models``'s.

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
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from moto.cognitoidp.exceptions import ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUser, flatten_attrs
from moto.core.exceptions import JsonRESTError

from sandbox.cognito.models import csv_header

UPLOAD_ROUTE = "/_sandbox/cognito-import/"  # + JobId: the pre-signed URL's path (sandbox.cognito.urls serves it)
URL_SECONDS = 15 * 60

MAX_BYTES = 100 * 1024 * 1024

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


JOBS_LOCK = threading.Lock()

JOBS: dict[str, Job] = {}  # by JobId: the upload route finds a job without knowing its account


def now() -> datetime:
    return datetime.now(timezone.utc)


def find_job(backend: CognitoIdpBackend, pool_id: str, job_id: str) -> Job:
    backend.describe_user_pool(pool_id)  # ResourceNotFoundException for an unknown pool
    job = JOBS.get(job_id)
    if job is None or job.backend is not backend or job.pool_id != pool_id:
        raise ResourceNotFoundError(f"user import job {job_id} not found in user pool {pool_id}")
    return job


def advance(job: Job) -> None:
    """One step of a started job: Pending -> InProgress -> Succeeded | Failed (the sandbox's pace). Under a lock:
    the server answers requests on several threads, and two Describes must not run one job twice."""
    with JOBS_LOCK:
        if job.status == "Pending":
            job.status = "InProgress"
        elif job.status == "InProgress":
            run(job)


def run(job: Job) -> None:
    """Import every row of the uploaded CSV into the pool; see the module docstring for the rules."""
    pool = job.backend.describe_user_pool(job.pool_id)
    job.completed = now()
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


def import_row(pool: Any, row: dict[str, str] | None, seen: set[str]) -> str | None:  # noqa: C901 - one CSV row checked column by column as Cognito documents them
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
