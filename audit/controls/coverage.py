"""Coverage: every piece of primary data is protected; exclusions are explicit and reasoned."""
from __future__ import annotations

from typing import Any

from audit.controls import Outcome
from audit.controls.common import protected_buckets
from audit.controls.registry import LIVE, control
from audit.snapshot import Posture, describe


@control("COV-01", "every protected resource exists and is selected by exactly one backup plan",
         severity="high",
         fix="create the resource, and list its ARN in the selection of exactly one plan of its category")
def protected_resources_selected(posture: Posture) -> Outcome:
    outcome = Outcome()
    for resource in posture.protected():
        name = describe(resource)
        outcome.subject(name)
        exists = posture.resource(resource["arn"]) is not None
        outcome.check(exists, f"{name}: {'exists' if exists else 'does not exist'} in the {posture.mode} posture")
        plans = posture.plans_selecting(resource["arn"])
        names = ", ".join(p["name"] for p in plans) or "none"
        outcome.check(len(plans) == 1, f"{name}: selected by {len(plans)} backup plan(s) ({names}), expected exactly 1")
    return outcome


@control("COV-02", "every excluded bucket has a reason and no plan selects it",
         severity="medium",
         fix="give every excluded bucket an exclusion_reason in the inventory")
def excluded_buckets_have_reasons(posture: Posture) -> Outcome:
    outcome = Outcome()
    excluded = [b for b in posture.data["inventory"]["buckets"] if b.get("excluded")]
    for bucket in excluded:
        outcome.subject(describe(bucket))
        reason = str(bucket.get("exclusion_reason") or "").strip()
        outcome.check(bool(reason), f"{describe(bucket)}: excluded, reason: {reason or 'NONE'}")
        outcome.check(not posture.plans_selecting(bucket["arn"]),
                      f"{describe(bucket)}: excluded and selected by no plan",
                      f"{describe(bucket)} is excluded but a plan selects it")
    if not excluded:
        outcome.subject("inventory exclusions")
        outcome.evidence.append("no bucket is excluded")
    return outcome


@control("COV-03", "no table is excluded from backup",
         severity="high",
         fix="remove 'excluded' from the table: every DynamoDB table holds primary data")
def no_table_excluded(posture: Posture) -> Outcome:
    outcome = Outcome()
    for table in posture.data["inventory"]["tables"]:
        outcome.subject(describe(table))
        outcome.check(not table.get("excluded") and "exclusion_reason" not in table,
                      f"{describe(table)}: {'EXCLUDED' if table.get('excluded') else 'not excluded'} (category {table.get('category')})")
    return outcome


@control("COV-04", "every protected bucket is versioned and expires noncurrent versions",
         severity="high",
         fix="enable versioning (AWS Backup needs it) and expire noncurrent versions with a lifecycle rule")
def protected_buckets_versioned(posture: Posture) -> Outcome:
    outcome = Outcome()
    for name, bucket in protected_buckets(posture, outcome):
        check_bucket_versioned(outcome, name, bucket)
    return outcome


def check_bucket_versioned(outcome: Outcome, name: str, bucket: dict[str, Any]) -> None:
    """Versioning on (AWS Backup needs it) and noncurrent versions expiring (or every backup carries them all)."""
    outcome.check(bucket["versioning"] == "Enabled", f"{name}: versioning {bucket['versioning']}", origin=bucket.get("origin"))
    days = bucket["noncurrent_expiration_days"]
    outcome.check(days is not None, f"{name}: noncurrent versions expire after {days} days" if days else
                  f"{name}: noncurrent versions never expire (every backup would carry every old version)", origin=bucket.get("origin"))


@control("COV-05", "every read of the audit succeeded",
         severity="high", modes=LIVE,
         fix="grant the audit role the permissions named (see docs/live-audit.md)")
def every_read_succeeded(posture: Posture) -> Outcome:
    """Live: a read the account refused (AccessDenied, throttling that outlasted the retries) is a failure
    naming the permission the audit role lacks, never a silent gap in the evidence."""
    outcome = Outcome()
    outcome.subject(f"{posture.mode} reads")
    errors = posture.data.get("errors") or []
    outcome.evidence.append(f"{sum((posture.data.get('api_calls') or {}).values())} API calls made")
    for error in errors:
        outcome.check(False, f"{error.get('api')} on {error.get('resource')} in {error.get('account_id')} "
                      f"{error.get('region')}: {error.get('error')} (needs {error.get('missing_permission') or error.get('api')})")
    return outcome
