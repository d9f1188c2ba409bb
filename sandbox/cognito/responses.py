"""Handlers of GetCSVHeader and the five user import job actions: methods of moto's CognitoIdpResponse."""
from __future__ import annotations

import os
import secrets
from typing import Any

from moto.cognitoidp.exceptions import InvalidParameterException
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult

from sandbox.cognito.import_jobs import (
    JOBS,
    JOBS_LOCK,
    ROLE_ARN_PREFIX,
    UPLOAD_ROUTE,
    URL_SECONDS,
    Job,
    PreconditionNotMetException,
    advance,
    find_job,
    now,
)
from sandbox.cognito.models import csv_header


def get_csv_header(self: CognitoIdpResponse) -> ActionResult:
    user_pool_id = self._get_param("UserPoolId")
    pool = self.backend.describe_user_pool(user_pool_id)
    return ActionResult({"UserPoolId": user_pool_id, "CSVHeader": csv_header(pool)})


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
    url = f"http://{host}{UPLOAD_ROUTE}{job_id}?X-Amz-Expires={URL_SECONDS}&X-Amz-Signature={token}"
    job = Job(self.backend, job_id, name, pool_id, role_arn, url, token, now())
    JOBS[job_id] = job
    return ActionResult({"UserImportJob": job.to_json()})


def start_user_import_job(self: CognitoIdpResponse) -> ActionResult:
    job = find_job(self.backend, self._get_param("UserPoolId"), self._get_param("JobId"))
    if job.status != "Created":
        raise InvalidParameterException(f"user import job {job.job_id} is {job.status}: only a Created job starts")
    if job.csv_body is None:
        raise PreconditionNotMetException(f"user import job {job.job_id}: no CSV file was uploaded to its PreSignedUrl")
    job.status, job.started = "Pending", now()
    return ActionResult({"UserImportJob": job.to_json()})


def describe_user_import_job(self: CognitoIdpResponse) -> ActionResult:
    job = find_job(self.backend, self._get_param("UserPoolId"), self._get_param("JobId"))
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
    job = find_job(self.backend, self._get_param("UserPoolId"), self._get_param("JobId"))
    with JOBS_LOCK:
        return _stop(job)


def _stop(job: Job) -> ActionResult:
    if job.status not in ("Pending", "InProgress"):
        raise PreconditionNotMetException(f"user import job {job.job_id} is {job.status}: only a Pending or "
                                          f"InProgress job stops")
    job.status, job.completed = "Stopped", now()
    job.message = "Import Job Stopped."
    return ActionResult({"UserImportJob": job.to_json()})
