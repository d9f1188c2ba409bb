"""The live source's restore testing sections of the environment account: the restore testing plans with
their selections, the restore jobs those plans created, and the tables and buckets a restore test or a
drill left behind.

Calls: ListRestoreTestingPlans, then per plan GetRestoreTestingPlan, ListRestoreTestingSelections and per
selection GetRestoreTestingSelection; per plan one ListRestoreJobs ``ByRestoreTestingPlanArn`` created in
the lookback (four of the longest restore-test cadences plus two days: an older newest job fails RES-06
whether it is listed or not); ListTables and ListBuckets, then for each table or bucket that
is not in the inventory its tags (ListTagsOfResource after DescribeTable, GetBucketTagging). A refused call
is an ``errors`` entry (``live_aws.Side``); the restore controls fail on the errors of these APIs, naming
the resource, so a refusal is never a silent pass.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping

from audit.sources.live.aws import Absent, Failed, Side
from audit.sources.live.read import NOT_FOUND, iso, origin
from audit.sources.records.restore_testing import (
    DRILL_NAME,
    DRILL_TAG,
    RESTORE_TEST_TAG,
    leftover_record,
    plan_record,
    restore_job_record,
    selection_record,
)


def read_restore_testing_plans(side: Side) -> list[dict[str, Any]]:
    plans = []
    for listed in side.items("backup", "ListRestoreTestingPlans", "*", "RestoreTestingPlans") or []:
        name = listed.get("RestoreTestingPlanName")
        arn = listed.get("RestoreTestingPlanArn") or name
        got = side.get("backup", "GetRestoreTestingPlan", arn, absent=NOT_FOUND, RestoreTestingPlanName=name)
        if not got:
            continue
        selections = []
        for member in side.items("backup", "ListRestoreTestingSelections", arn, "RestoreTestingSelections",
                                 absent=NOT_FOUND, RestoreTestingPlanName=name) or []:
            selection_name = member.get("RestoreTestingSelectionName")
            body = side.get("backup", "GetRestoreTestingSelection", f"{arn}/selection/{selection_name}", absent=NOT_FOUND,
                            RestoreTestingPlanName=name, RestoreTestingSelectionName=selection_name)
            if body:
                selections.append(selection_record(body["RestoreTestingSelection"],
                                                   origin=origin(side, "backup:GetRestoreTestingSelection")))
        body = got.get("RestoreTestingPlan") or {}
        plans.append(plan_record(body, arn=body.get("RestoreTestingPlanArn") or listed.get("RestoreTestingPlanArn"),
                                 account_id=side.account_id, region=side.region, selections=selections,
                                 origin=origin(side, "backup:GetRestoreTestingPlan")))
    return plans


def lookback(cfg: Mapping[str, Any]) -> timedelta:
    """Four of the longest cadences plus two days: far enough back that a stale newest test is reported with
    its age rather than as "no test" (a handful of jobs per resource), bounded for a long-lived account."""
    every = [p.get("restore_test_every_days") or 0 for p in cfg["backup_policies"].values()]
    return timedelta(days=4 * max(every or [0]) + 2)


def read_restore_jobs(side: Side, plans: Iterable[Mapping[str, Any]], *, since: datetime) -> list[dict[str, Any]]:
    """The restore jobs each plan created since ``since``, newest first."""
    jobs = []
    for plan in plans:
        if not plan.get("arn"):
            continue
        for job in side.items("backup", "ListRestoreJobs", plan["arn"], "RestoreJobs", ByRestoreTestingPlanArn=plan["arn"],
                              ByCreatedAfter=since) or []:
            record = restore_job_record(job, iso=iso, origin=origin(side, "backup:ListRestoreJobs"))
            record["plan_arn"] = record["plan_arn"] or plan["arn"]
            jobs.append(record)
    return sorted(jobs, key=lambda j: j["creation_date"] or "", reverse=True)


def _recognised(name: str, tags: Mapping[str, str] | None) -> str | None:
    """Why a resource is a restore-test or drill leftover, or None when it is not one."""
    if tags and RESTORE_TEST_TAG in tags:
        return f"tagged {RESTORE_TEST_TAG}"
    if tags and DRILL_TAG in tags:
        return f"tagged {DRILL_TAG}"
    if name.startswith(RESTORE_TEST_TAG):
        return f"named {RESTORE_TEST_TAG}*"
    if DRILL_NAME.search(name):
        return "named as a retention drill scratch resource"
    return None


def _table_leftovers(side: Side, skip: set[str]) -> list[dict[str, Any]]:
    found = []
    for name in side.items("dynamodb", "ListTables", "*", "TableNames") or []:
        if name in skip:
            continue
        try:
            table = side.call("dynamodb", "DescribeTable", name, absent=NOT_FOUND, TableName=name)["Table"]
        except (Absent, Failed):
            continue
        arn = table["TableArn"]
        try:
            pages = side.pages("dynamodb", "ListTagsOfResource", arn, absent=NOT_FOUND, ResourceArn=arn)
            tags: dict[str, str] | None = {t["Key"]: t["Value"] for page in pages for t in page.get("Tags") or []}
        except (Absent, Failed):
            tags = None
        reason = _recognised(name, tags)
        if reason:
            found.append(leftover_record(kind="dynamodb table", name=name, arn=arn, created=iso(table.get("CreationDateTime")),
                                         tags=tags, reason=reason, origin=origin(side, "dynamodb:DescribeTable")))
    return found


def _bucket_leftovers(side: Side, skip: set[str]) -> list[dict[str, Any]]:
    found = []
    listed = side.get("s3", "ListBuckets", "*")
    for bucket in (listed or {}).get("Buckets") or []:
        name = bucket["Name"]
        if name in skip:
            continue
        arn = f"arn:aws:s3:::{name}"
        try:
            tagging = side.call("s3", "GetBucketTagging", arn, absent=("NoSuchTagSet", "NoSuchBucket"), Bucket=name)
            tags: dict[str, str] | None = {t["Key"]: t["Value"] for t in tagging.get("TagSet") or []}
        except Absent:
            tags = {}
        except Failed:
            tags = None
        reason = _recognised(name, tags)
        if reason:
            found.append(leftover_record(kind="s3 bucket", name=name, arn=arn, created=iso(bucket.get("CreationDate")),
                                         tags=tags, reason=reason, origin=origin(side, "s3:ListBuckets")))
    return found


def read_leftovers(side: Side, inventory_names: Iterable[str]) -> list[dict[str, Any]]:
    """Tables and buckets of the side, not in the inventory, that a restore test or a drill made."""
    skip = set(inventory_names)
    return _table_leftovers(side, skip) + _bucket_leftovers(side, skip)


def read_restore_testing(side: Side, cfg: Mapping[str, Any], inventory: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    plans = read_restore_testing_plans(side)
    return {"restore_testing_plans": plans,
            "restore_jobs": read_restore_jobs(side, plans, since=now - lookback(cfg)),
            "restore_test_resources": read_leftovers(side, [t["name"] for t in inventory["tables"]] +
                                                     [b["name"] for b in inventory["buckets"]])}
