"""The sandbox's restore testing runner: run every restore testing plan that is due at a point in time, as AWS
Backup would, then delete the restored test resources whose validation window has passed.

Why: the sandbox has no clock (``sandbox.job_runner`` plays backups the same way), and issue 12 needs restore
tests that go through the same restore path as any restore, so the policy evaluator refuses what AWS
would refuse (the SSN vault, until the break-glass) and the audit reads restore jobs as AWS lists them.

``run_restore_tests(at)``, per account and Region, per plan:

1. Due: the plan's latest scheduled start (``audit.schedule``, in ``ScheduleExpressionTimezone``) is at or
   before ``at``, after the plan was created, less than ``StartWindowHours`` before ``at``, and the plan has not
   run for it yet (``LastExecutionTime``). A ``rate(...)`` schedule counts from the plan's creation.
2. Per selection, per protected resource (its ARNs, or with ``*`` every resource of the type with a
   recovery point, filtered by ``ProtectedResourceConditions`` on the resource's tags): the recovery point
   (LATEST_WITHIN_WINDOW: the newest; RANDOM_WITHIN_WINDOW: one at random) among the COMPLETED ones created
   in the last ``SelectionWindowDays`` before ``at``, in the plan's ``IncludeVaults`` minus ``ExcludeVaults``
   (ARNs or ``*`` patterns), of its ``RecoveryPointTypes`` (the sandbox's points are all SNAPSHOT).
3. ``StartRestoreJob`` through ``sandbox.backup.models.restores`` (so ``restore_access`` decides) with the inferred
   metadata (``restore_testing.inferred_metadata``) and the selection's overrides, the job's ``CreatedBy``
   carrying the plan ARN; an S3 test restore gets a new versioned bucket first. A restore the vault refuses
   (AccessDeniedException) is recorded as a FAILED restore job of the plan, as AWS lists a failed test.
   The created resource is tagged ``awsbackup-restore-test`` (value: the plan name).
4. Clean-up: a resource created by a COMPLETED restore testing job is deleted once its selection's
   ``ValidationWindowHours`` have passed since the job completed, or once a final validation result is in,
   and only while it carries the tag; the job's ``DeletionStatus`` says what happened.

Served in the sandbox process on ``POST /_sandbox/run-restore-tests`` (body ``{"at": ISO 8601}``, optionally
``"latest_due": true``: each plan at its own latest scheduled start before ``at``, no clean-up) through
``sandbox.job_runner.ROUTES``; ``retention sandbox run-restore-tests`` calls it, then runs the validation
function for the COMPLETED jobs in its own process (``sandbox.restore_validation``).
"""
from __future__ import annotations

import fnmatch
import random
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Iterator
from zoneinfo import ZoneInfo

from moto.core.exceptions import JsonRESTError
from moto.utilities.utils import get_partition

from audit.schedule import parse
from sandbox.backup.models.recovery_points import resource_type_of
from sandbox.backup.models.restore_events import emit
from sandbox.backup.models.restore_testing import OVERRIDES, TEST_PREFIX, inferred_metadata, testing_plans_of
from sandbox.backup.models.restores import FINAL_VALIDATION, RestoreJob, restores_of, start_restore_job
from sandbox.backup.models.state import state
from sandbox.job_runner import ROUTES, install_route

if TYPE_CHECKING:
    from sandbox.backup.models.restore_testing import TestingPlan, TestingSelection


ROUTE = "/_sandbox/run-restore-tests"


def due_occurrence(plan: TestingPlan, at: datetime) -> datetime | None:
    """The scheduled start (naive UTC) the plan should run for at ``at``, or None when it is not due."""
    start = _latest_start(plan, at)
    if start is None or start < plan.creation_time or at >= start + timedelta(hours=plan.start_window_hours):
        return None
    if plan.last_execution_time is not None and plan.last_execution_time >= start:
        return None
    return start


def _latest_start(plan: TestingPlan, at: datetime) -> datetime | None:
    parsed = parse(plan.schedule)
    if isinstance(parsed, timedelta):  # rate(...): every interval from the plan's creation
        runs = int((at - plan.creation_time) / parsed)
        return plan.creation_time + runs * parsed if runs >= 1 else None
    # aws-croniter reads UTC wall clocks: give it the plan's local wall clock as if it were UTC
    zone = ZoneInfo(plan.timezone)
    local = at.replace(tzinfo=timezone.utc).astimezone(zone).replace(tzinfo=timezone.utc)
    previous = parsed.get_prev(local, inclusive=True)[0]
    if previous is None:
        return None
    return previous.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)


def _resource_tags(account: str, region: str, resource_arn: str) -> dict[str, str]:
    from moto.dynamodb.models import dynamodb_backends
    from moto.s3.models import s3_backends

    kind, name = resource_type_of(resource_arn)
    try:
        if kind == "DynamoDB":
            pairs = dynamodb_backends[account][region].list_tags_of_resource(resource_arn)
        elif kind == "S3":
            pairs = s3_backends[account][get_partition(region)].get_bucket_tagging(name).get("Tags", [])
        else:
            return {}
    except Exception:  # the resource is gone: no tags
        return {}
    return {p["Key"]: p["Value"] for p in pairs}


def _conditions_hold(conditions: dict[str, Any] | None, tags: dict[str, str]) -> bool:
    for pair in (conditions or {}).get("StringEquals") or []:
        if tags.get(pair["Key"].removeprefix("aws:ResourceTag/")) != pair["Value"]:
            return False
    for pair in (conditions or {}).get("StringNotEquals") or []:
        if tags.get(pair["Key"].removeprefix("aws:ResourceTag/")) == pair["Value"]:
            return False
    return True


def _resources(backend: Any, selection: TestingSelection, points: list[Any]) -> list[str]:
    """The protected resources the selection names (its ARNs, or ``*``: those with a recovery point here)."""
    if selection.arns and selection.arns != ["*"]:
        return list(selection.arns)
    candidates = sorted({p.resource_arn for p in points if p.resource_type == selection.resource_type})
    return [arn for arn in candidates
            if _conditions_hold(selection.conditions, _resource_tags(backend.account_id, backend.region_name, arn))]


def _matches(patterns: list[str], vault_arn: str) -> bool:
    return any(p == "*" or fnmatch.fnmatchcase(vault_arn, p) for p in patterns)


def choose_point(plan: TestingPlan, resource_arn: str, points: list[Any], at: datetime, seed: str) -> Any | None:
    """The recovery point a restore test of ``resource_arn`` restores, as the plan's selection rules pick it."""
    rules = plan.point_selection
    earliest = at - timedelta(days=rules["SelectionWindowDays"])
    eligible = [p for p in points
                if p.resource_arn == resource_arn and p.status == "COMPLETED" and earliest <= p.creation_date <= at
                and "SNAPSHOT" in rules["RecoveryPointTypes"] and _matches(rules["IncludeVaults"], p.vault_arn)
                and not _matches(rules.get("ExcludeVaults") or [], p.vault_arn)]
    if not eligible:
        return None
    if rules["Algorithm"] == "LATEST_WITHIN_WINDOW":
        return max(eligible, key=lambda p: p.creation_date)
    return random.Random(seed).choice(sorted(eligible, key=lambda p: p.arn))


def _metadata(point: Any, selection: TestingSelection) -> dict[str, str]:
    metadata = inferred_metadata(point)
    names = OVERRIDES.get(point.resource_type, {})
    for key, value in (selection.overrides or {}).items():
        metadata[names[key.lower()]] = value
    return metadata


def _s3(account: str, region: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account][get_partition(region)]


def _new_test_bucket(backend: Any, name: str, plan: TestingPlan) -> None:
    s3 = _s3(backend.account_id, backend.region_name)
    s3.create_bucket(name, backend.region_name)
    s3.put_bucket_versioning(name, "Enabled")
    s3.put_bucket_tagging(name, {TEST_PREFIX: plan.name})


def _tag(backend: Any, arn: str, plan: TestingPlan) -> None:
    from moto.dynamodb.models import dynamodb_backends

    kind, name = resource_type_of(arn)
    if kind == "DynamoDB":
        dynamodb_backends[backend.account_id][backend.region_name].tag_resource(arn, {TEST_PREFIX: plan.name})
    elif kind == "S3":
        s3 = _s3(backend.account_id, backend.region_name)
        s3.put_bucket_tagging(name, {**_resource_tags(backend.account_id, backend.region_name, arn),
                                     TEST_PREFIX: plan.name})


def _refused_job(backend: Any, point: Any, selection: TestingSelection, created_by: dict[str, str],
                 reason: str) -> RestoreJob:
    """A restore the API refused, recorded as the FAILED restore job AWS lists for a failed restore test."""
    job = RestoreJob(backend=backend, point=point, iam_role_arn=selection.iam_role_arn,
                                 created_by=created_by)
    restores_of(backend).jobs[job.job_id] = job
    job.finish(None, reason)
    emit(job)
    return job


def _restore(backend: Any, plan: TestingPlan, selection: TestingSelection, point: Any,
             at: datetime, took: timedelta = timedelta(0)) -> RestoreJob:
    metadata = _metadata(point, selection)
    created_by = {"RestoreTestingPlanArn": plan.arn}
    bucket = metadata.pop("DestinationBucketName", None) if point.resource_type == "S3" else None
    if bucket:
        _new_test_bucket(backend, bucket, plan)
        metadata["DestinationBucketName"] = bucket
    try:
        job = start_restore_job(backend, recovery_point_arn=point.arn, metadata=metadata,
                                            iam_role_arn=selection.iam_role_arn, created_by=created_by)
    except JsonRESTError as exc:
        job = _refused_job(backend, point, selection, created_by, f"{exc.error_type}: {exc.message}")
    if job.status == "COMPLETED":
        _tag(backend, job.created_resource_arn, plan)
    elif bucket:  # nothing was restored: the sandbox leaves no empty test bucket behind
        _s3(backend.account_id, backend.region_name).delete_bucket(bucket)
    job.creation_date, job.completion_date = at, at + took
    job.validation_window_hours = selection.validation_window_hours
    return job


def _job_summary(job: RestoreJob, plan: TestingPlan, selection: TestingSelection,
                 backend: Any) -> dict[str, Any]:
    return {"plan": plan.name, "selection": selection.name, "account": backend.account_id,
            "region": backend.region_name, "resource": job.resource_arn, "recovery_point": job.recovery_point_arn,
            "vault": job.vault_arn,
            "job_id": job.job_id, "status": job.status, "message": job.status_message,
            "created_resource": job.created_resource_arn}


def _run_plan(backend: Any, plan: TestingPlan, at: datetime, start: datetime,
              took: timedelta = timedelta(0)) -> list[dict[str, Any]]:
    points = list(state(backend).recovery_points.values())
    results = []
    for selection in plan.selections.values():
        for resource in _resources(backend, selection, points):
            seed = f"{plan.arn}|{start.isoformat()}|{selection.name}|{resource}"
            point = choose_point(plan, resource, points, at, seed)
            if point is None:
                results.append({"plan": plan.name, "selection": selection.name, "account": backend.account_id,
                                "region": backend.region_name, "resource": resource, "status": "SKIPPED",
                                "message": "no recovery point in the plan's vaults and selection window"})
                continue
            results.append(_job_summary(_restore(backend, plan, selection, point, at, took), plan, selection, backend))
    plan.last_execution_time = at
    return results


def _delete_resource(account: str, region: str, arn: str) -> None:
    from moto.dynamodb.models import dynamodb_backends

    kind, name = resource_type_of(arn)
    if kind == "DynamoDB":
        dynamodb_backends[account][region].delete_table(name)
        return
    s3 = _s3(account, region)
    bucket = s3.get_bucket(name)
    for key in list(bucket.keys.keys()):
        for version in bucket.keys.getlist(key, []):
            if hasattr(version, "dispose"):
                version.dispose()
    bucket.keys.clear()
    s3.delete_bucket(name)


def _exists(account: str, region: str, arn: str) -> bool:
    from moto.dynamodb.models import dynamodb_backends

    kind, name = resource_type_of(arn)
    if kind == "DynamoDB":
        return name in dynamodb_backends[account][region].tables
    return name in _s3(account, region).buckets


def _expired(job: RestoreJob, at: datetime) -> bool:
    hours = getattr(job, "validation_window_hours", None)
    if hours is None or job.status != "COMPLETED" or not job.created_resource_arn or job.deletion_status:
        return False
    return job.validation_status in FINAL_VALIDATION or at >= job.completion_date + timedelta(hours=hours)


def clean_up(backend: Any, at: datetime) -> list[dict[str, Any]]:
    """Delete the resources of restore testing jobs whose validation is over (window passed or final result)."""
    deleted = []
    for job in restores_of(backend).jobs.values():
        if not (job.created_by or {}).get("RestoreTestingPlanArn") or not _expired(job, at):
            continue
        arn, account, region = job.created_resource_arn, backend.account_id, backend.region_name
        if not _exists(account, region, arn):
            job.deletion_status, job.deletion_message = "SUCCESSFUL", "already deleted"
        elif TEST_PREFIX not in _resource_tags(account, region, arn):
            job.deletion_status = "FAILED"
            job.deletion_message = f"{arn} no longer carries the tag {TEST_PREFIX}; not deleted"
        else:
            try:
                _delete_resource(account, region, arn)
                job.deletion_status, job.deletion_message = "SUCCESSFUL", None
            except Exception as exc:  # a deletion AWS could not make either (deletion protection, ...)
                job.deletion_status, job.deletion_message = "FAILED", str(exc) or type(exc).__name__
        deleted.append({"job_id": job.job_id, "account": account, "region": region, "resource": arn,
                        "status": job.deletion_status, "message": job.deletion_message})
    return deleted


def _backends() -> Iterator[Any]:
    from moto.backup.models import backup_backends

    for account_id in list(backup_backends.keys()):
        for region in list(backup_backends[account_id].keys()):
            yield backup_backends[account_id][region]


def latest_occurrence(plan: TestingPlan, at: datetime) -> datetime | None:
    """The plan's latest scheduled start at or before ``at`` that it has not run for, as if the plan had
    existed since then (its creation time is ignored), or None."""
    start = _latest_start(plan, at)
    if start is None or (plan.last_execution_time is not None and plan.last_execution_time >= start):
        return None
    return start


def run_restore_tests(at: datetime, *, latest_due: bool = False, restore_minutes: float = 0) -> dict[str, Any]:
    """Run every due plan at ``at`` (naive UTC), then clean up; what happened, for the CLI to print.

    ``latest_due``: run each plan at its own latest scheduled start before ``at`` instead (the jobs are
    dated then), and clean nothing up, so the validation function can still read every restored resource:
    a demo's "the tests of the last cadence", each plan at its own hour. A later plain run cleans up.

    ``restore_minutes``: how long each restore takes (its CompletionDate after its CreationDate). The sandbox
    restores at once; AWS takes minutes to hours. A test sets it above a category's RTO to play a slow restore
    (RES-06)."""
    plans, jobs, deleted = [], [], []
    for backend in list(_backends()):
        for plan in list(testing_plans_of(backend).values()):
            start = latest_occurrence(plan, at) if latest_due else due_occurrence(plan, at)
            plans.append({"plan": plan.name, "arn": plan.arn, "account": backend.account_id,
                          "region": backend.region_name, "due": start is not None,
                          "scheduled": start.strftime("%Y-%m-%dT%H:%M:%SZ") if start else None})
            if start is not None:
                jobs.extend(_run_plan(backend, plan, start if latest_due else at, start,
                                      timedelta(minutes=restore_minutes)))
        if not latest_due:
            deleted.extend(clean_up(backend, at))
    return {"at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "plans": plans, "jobs": jobs, "deleted": deleted}


def install() -> None:
    """Serve ``POST /_sandbox/run-restore-tests`` next to the backup runner's route (idempotent); the body's
    ``latest_due`` (boolean) selects ``run_restore_tests``'s mode, ``restore_minutes`` (number) the restores' duration."""
    ROUTES[ROUTE] = lambda at, body: run_restore_tests(at, latest_due=bool(body.get("latest_due")),
                                                                  restore_minutes=float(body.get("restore_minutes") or 0))
    install_route()
