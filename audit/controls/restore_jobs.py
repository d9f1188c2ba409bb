"""What the restore tests did (live, features/restore.feature): RES-06 and RES-07.

RES-06 (AWS Backup Audit Manager ``RESTORE_TIME_FOR_RESOURCES_MEET_TARGET``): for every protected resource
outside the SSN category, the newest finished restore job a restore testing plan created (``CreatedBy
.RestoreTestingPlanArn``) COMPLETED, was validated SUCCESSFUL (``ValidationStatus``, set by the validation
function through ``PutRestoreValidationResult``), started no longer ago than the category's
``restore_test_every_days`` plus one day of grace (the plan's start window and a late validation fit in it),
and took no longer than the category's ``rto_hours`` (CompletionDate - CreationDate; Audit Manager's control
compares the same restore time with ``maxRestoreTime``,
https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html). No job is a failure.
Jobs still CREATED, PENDING or RUNNING are not yet an answer: the newest finished one decides, and the
grace covers the run in progress.

RES-07: no restore-test or drill resource outlives its purpose: a table or bucket tagged
``awsbackup-restore-test`` (or named ``awsbackup-restore-test*``) older than the longest
``ValidationWindowHours`` of the environment's selections plus one day, or a ``retention drill`` scratch
resource (``<name>-drill-<stamp>``, tag ``compact-retention:drill``) older than one day, fails, naming it.
Its age counts from the earliest fact about its making: its creation time, the restore job that created
it, the drill stamp it carries.
Each holds a full copy of production data outside the backup's protections (no vault lock, no retention
promise) and costs money. AWS deletes restore-test resources after the validation window (S3 through a
lifecycle rule, which can take days: hence the grace); ``--keep`` drills are the operator's to delete.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from audit.controls import Outcome
from audit.controls.common import parse_time, taken_at
from audit.controls.registry import LIVE, control
from audit.controls.restore_testing import local_plans, read_failures, tested_resources
from audit.snapshot import Posture, describe
from audit.sources.records.restore_testing import (
    DRILL_NAME,
    DRILL_TAG,
    LEFTOVER_APIS,
    RESTORE_JOB_APIS,
    RESTORE_TEST_TAG,
    RESTORE_TESTING_APIS,
)

GRACE = timedelta(days=1)
IN_PROGRESS = ("CREATED", "PENDING", "RUNNING")


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"


# RES-06 ------------------------------------------------------------------------------------------------
@control("RES-06", "the newest restore test of every protected resource outside the SSN data completed, validated "
         "SUCCESSFUL, is at most its cadence plus 1 day old and took at most its category's RTO",
         severity="high", modes=LIVE, history=True,
         fix="find why the restore test failed, was not validated, stopped running or ran longer than the RTO "
             "(docs/operations.md: when a restore test fails), fix it and run the plan again")
def newest_restore_tests_passed(posture: Posture) -> Outcome:
    outcome = Outcome()
    read_failures(posture, outcome, RESTORE_TESTING_APIS + RESTORE_JOB_APIS)
    now = taken_at(posture)
    jobs = [j for j in posture.data.get("restore_jobs") or [] if j.get("plan_arn")]
    for resource in tested_resources(posture):
        name = describe(resource)
        outcome.subject(name)
        every, rto = resource.get("restore_test_every_days"), resource.get("rto_hours")
        if not every or not rto:
            outcome.check(False, f"{name}: category {resource.get('category')} configures no "
                          f"{'restore_test_every_days' if not every else 'rto_hours'}")
            continue
        own = [j for j in jobs if j["resource_arn"] == resource["arn"] and j.get("creation_date")]
        running = [j for j in own if j["status"] in IN_PROGRESS]
        finished = [j for j in own if j["status"] not in IN_PROGRESS]
        if running:
            outcome.evidence.append(f"{name}: {len(running)} restore test(s) in progress (not counted)")
        if not finished:
            outcome.check(False, f"{name}: no finished restore test job of a restore testing plan in the {posture.mode} "
                          "posture (the live source lists four cadences back)")
            continue
        job = max(finished, key=lambda j: parse_time(j["creation_date"]))
        label = f"{name}: newest restore test {job['job_id']} ({job['creation_date']})"
        origin = job.get("origin")
        outcome.check(job["status"] == "COMPLETED", f"{label}: status {job['status']}"
                      + (f" ({job['status_message']})" if job.get("status_message") else ""), origin=origin)
        outcome.check(job.get("validation_status") == "SUCCESSFUL", f"{label}: validation "
                      f"{job.get('validation_status') or 'NONE (never validated)'}"
                      + (f" ({job['validation_message']})" if job.get("validation_message") else ""), origin=origin)
        age, limit = now - parse_time(job["creation_date"]), timedelta(days=every) + GRACE
        outcome.check(age <= limit, f"{label}: {_hours(age)} old, limit {every} days + 1 day of grace = {_hours(limit)}",
                      origin=origin)
        if job.get("completion_date"):
            took = parse_time(job["completion_date"]) - parse_time(job["creation_date"])
            outcome.check(took <= timedelta(hours=rto), f"{label}: restore took {_hours(took)}, RTO {rto} h", origin=origin)
        elif job["status"] == "COMPLETED":
            outcome.check(False, f"{label}: no completion date, so the restore time is unknown", origin=origin)
    return outcome


# RES-07 ------------------------------------------------------------------------------------------------
def _validation_window(posture: Posture) -> timedelta:
    hours = [s.get("validation_window_hours") or 0 for p in local_plans(posture) for s in p["selections"]]
    return timedelta(hours=max(hours or [0]))


def _limit(posture: Posture, leftover: dict[str, Any]) -> tuple[timedelta, str]:
    tags = leftover.get("tags") or {}
    if RESTORE_TEST_TAG in tags or leftover["name"].startswith(RESTORE_TEST_TAG):
        window = _validation_window(posture)
        return window + GRACE, f"validation window {_hours(window)} + 1 day"
    return GRACE, "1 day for a drill's scratch resource" + ("" if DRILL_TAG in tags else " (recognised by its name)")


def _since(posture: Posture, leftover: dict[str, Any]) -> tuple[datetime | None, str]:
    """When the resource was made: the earliest of its creation time, the completion of the restore testing
    job that created it (``CreatedResourceArn``) and the drill stamp its name or ``compact-retention:drill``
    tag carries. Each is a fact about the same making; taking the earliest can only make a leftover older,
    never hide one."""
    found = []
    if leftover.get("created"):
        found.append((parse_time(leftover["created"]), "created"))
    for job in posture.data.get("restore_jobs") or []:
        when = job.get("completion_date") or job.get("creation_date")
        if job.get("created_resource_arn") == leftover["arn"] and when:
            found.append((parse_time(when), f"restored by job {job['job_id']}"))
    stamps = [(leftover.get("tags") or {}).get(DRILL_TAG),
              *(m.group(0)[len("-drill-"):] for m in [DRILL_NAME.search(leftover["name"])] if m)]
    for stamp in stamps:
        try:
            found.append((datetime.strptime(str(stamp), "%Y%m%dt%H%M%Sz").replace(tzinfo=timezone.utc), f"drill {stamp}"))
        except ValueError:
            continue
    return min(found) if found else (None, "")


@control("RES-07", "no restore-test or drill resource is older than its validation window plus 1 day",
         severity="low", modes=LIVE,
         fix="delete the leftover restore-test or drill resource (after checking it is one: its tag and name say "
             "so), and find why the clean-up did not (restore testing deletion status, drill --keep)")
def no_leftover_test_resources(posture: Posture) -> Outcome:
    outcome = Outcome()
    read_failures(posture, outcome, LEFTOVER_APIS + RESTORE_TESTING_APIS)
    now = taken_at(posture)
    leftovers = posture.data.get("restore_test_resources") or []
    outcome.subject("restore-test and drill resources")
    outcome.evidence.append(f"{len(leftovers)} restore-test or drill resource(s) found")
    for leftover in leftovers:
        label = f"{leftover['kind']} {leftover['name']} ({leftover['reason']})"
        outcome.subject(label)
        limit, why = _limit(posture, leftover)
        since, how = _since(posture, leftover)
        if since is None:
            outcome.check(False, f"{label}: creation time unknown, so it cannot be shown to be recent", origin=leftover.get("origin"))
            continue
        age = now - since
        outcome.check(age <= limit, f"{label}: {how} {since:%Y-%m-%dT%H:%M:%SZ}, {_hours(age)} old, limit {_hours(limit)} ({why})",
                      f"{label}: LEFTOVER, {how} {since:%Y-%m-%dT%H:%M:%SZ}, {_hours(age)} old, limit {_hours(limit)} ({why})",
                      origin=leftover.get("origin"))
    return outcome
