"""EventBridge state (design phase 3.5, decision in docs/eventbridge-backup.md): AWS Backup protects none of
it, so every bus, rule, archive, schedule, pipe, API destination and connection must be recoverable from
code (a CloudFormation stack, whose template is in git), and an archive, the one place EventBridge keeps
event data, must keep it a limited time under a customer-managed key.
"""
from __future__ import annotations

from typing import Any

from audit.controls import Outcome
from audit.controls.registry import LIVE, control
from audit.snapshot import Posture

EVENTBRIDGE_APIS = ("events:", "scheduler:", "pipes:", "cloudformation:")


def _label(resource: dict[str, Any]) -> str:
    return f"{resource['kind']} {resource['name']} ({resource['account_id']} {resource['region']})"


@control("EVB-01", "every EventBridge resource in both accounts is defined by a CloudFormation stack or kept by an "
         "AWS service",
         severity="medium", modes=LIVE,
         fix="define the resource in a CloudFormation template (this product's or the application's) and deploy "
             "it, or delete it if nobody needs it: AWS Backup cannot bring it back")
def defined_in_code(posture: Posture) -> Outcome:
    outcome = Outcome()
    for resource in posture.data.get("eventbridge", []):
        label = _label(resource)
        outcome.subject(label)
        if resource.get("stack"):
            outcome.check(True, f"{label}: defined by stack {resource['stack']}", origin=resource.get("origin"))
        elif resource.get("managed_by"):
            outcome.check(True, f"{label}: created and kept by {resource['managed_by']}", origin=resource.get("origin"))
        else:
            outcome.check(False, f"{label}: defined by no CloudFormation stack, so no template can recreate it",
                          origin=resource.get("origin"))
    refused = [e for e in posture.data.get("errors") or [] if str(e.get("api", "")).startswith(EVENTBRIDGE_APIS)]
    for error in refused:
        outcome.subject(f"EventBridge reads in {error.get('account_id')} {error.get('region')}")
        outcome.check(False, f"{error.get('api')} failed ({error.get('error')}): EventBridge state there is unknown")
    if not outcome.subjects:
        outcome.subject("EventBridge state of both accounts")
        outcome.evidence.append("no event bus (besides default), rule, archive, schedule, pipe, API destination or connection")
    return outcome


@control("EVB-02", "every EventBridge archive keeps its events a limited number of days under a customer-managed "
         "key",
         severity="low",
         fix="give the archive a RetentionDays above 0 (0 keeps events forever) and a KmsKeyIdentifier of a "
             "customer-managed key")
def archives_bounded(posture: Posture) -> Outcome:
    outcome = Outcome()
    archives = [r for r in posture.data.get("eventbridge", []) if r["kind"] == "archive"]
    for archive in archives:
        label = _label(archive)
        outcome.subject(label)
        days = archive.get("retention_days")
        outcome.check(bool(days) and days > 0, f"{label}: keeps events {days} days" if days else
                      f"{label}: keeps events forever (RetentionDays {days})", origin=archive.get("origin"))
        key = archive.get("kms_key")
        outcome.check(bool(key), f"{label}: encrypted with {key}" if key else f"{label}: encrypted with an AWS-owned key",
                      origin=archive.get("origin"))
    if not archives:
        outcome.subject("EventBridge archives")
        outcome.evidence.append("no archive: EventBridge keeps no event data in this environment")
    return outcome
