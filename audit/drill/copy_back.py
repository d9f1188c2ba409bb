"""``retention drill --from-backup-account``: the backup account's copy, copied back into the environment
account's local vault, then drilled as any recovery point.

Why a copy back: a restore runs only in the account and Region that hold the recovery point, and the backup
account holds vaults and keys but nothing that could read the data; AWS documents the route as "copy the
backup from its destination account to its source account, and then start the restore", both accounts in
one organization (https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html).
So for each target:

1. the newest COMPLETED recovery point of the resource in its category's ``cross_account_vault_arn`` (the
   backup account, the backup Region) is found (none: a precondition, exit 2);
2. the local vault's access policy is evaluated (``audit.policy``) for ``backup:CopyIntoBackupVault`` by the
   copy role: a vault that would refuse the copy is a precondition too, named before anything starts;
3. ``StartCopyJob`` runs IN THE BACKUP ACCOUNT with the copy role (``CopyBackRole`` of
   cloudformation/backup-account.yaml, named by ``roles.copy_back_role_name``, or ``--copy-role``), into the
   local vault, with the shortest retention the local vault lock allows (the vault denies
   deleting a recovery point, so the copy expires on its own); the job is polled with progress;
4. the copied-back recovery point is drilled as today (``audit.drill.run``), and the result records where
   it came from (``source`` the backup account's copy, ``copy_back``: job id, seconds, accounts) and a check
   of restore time with the copy back included against the RTO.

SSN data is refused: its copy back is the break-glass runbook's path B (both sides opened), not a drill.
User pools have no recovery point (they are drilled from their export): named, they are refused; ``--all``
leaves them out, and the export bucket's copy is drilled as a bucket.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping

from audit.arns import ArnError, backup_vault_arn, parse_arn
from audit.drill import restore
from audit.drill.compare import FAILED, PASSED, Check
from audit.drill.plan import BUCKET, TABLE, DrillInputError, Target
from audit.policy import Request, evaluate

Progress = Callable[[str], None]
ACTION = "backup:CopyIntoBackupVault"
ENDED = ("COMPLETED", "FAILED", "ABORTED", "PARTIAL")
KINDS = (TABLE, BUCKET)  # what AWS Backup copies; a user pool is drilled from its export


class CopyBackFailed(Exception):
    """The copy job failed or did not end in time; the message says why."""


@dataclass(frozen=True)
class Source:
    """Where a target's copy is: the backup account's vault and the newest COMPLETED copy in it."""

    target: Target
    vault_arn: str
    point: Mapping[str, Any]

    @property
    def vault_name(self) -> str:
        return parse_arn(self.vault_arn).resource.split(":", 1)[1]

    @property
    def point_arn(self) -> str:
        return self.point["RecoveryPointArn"]


@dataclass(frozen=True)
class Copied:
    job_id: str
    seconds: float
    local_point_arn: str


def check_inputs(cfg: Mapping[str, Any], targets: list[Target], copy_role: str | None) -> None:
    """The flags' own preconditions (DrillInputError, exit 2): tables and buckets only, no SSN target, a role
    of the backup account."""
    other = [t.id for t in targets if t.kind not in KINDS]
    if other:
        raise DrillInputError(f"--from-backup-account with --resource {', '.join(other)}: only tables and buckets have "
                              "copies in the backup account (a user pool is drilled from its export: drill the "
                              "export bucket, or drop --from-backup-account)")
    ssn = [t.id for t in targets if t.ssn]
    if ssn:
        raise DrillInputError(f"--from-backup-account with --resource {', '.join(ssn)}: SSN data is copied back only "
                              f"through the break-glass (docs/runbooks/break-glass.md, path B), never by a drill")
    if not copy_role:
        raise DrillInputError("--from-backup-account needs a copy role: a role of the backup account "
                              f"{cfg['backup_account_id']} that AWS Backup can assume to start the copy back "
                              "(roles.copy_back_role_name, deployed by cloudformation/backup-account.yaml)")
    try:
        arn = parse_arn(copy_role)
    except ArnError:
        arn = None
    if arn is None or arn.service != "iam" or not arn.resource.startswith("role/") \
            or arn.account != cfg["backup_account_id"]:
        raise DrillInputError(f"--copy-role {copy_role}: must be an IAM role ARN of the backup account "
                              f"{cfg['backup_account_id']} (the copy runs where the copy is)")


def copy_vault_arn(cfg: Mapping[str, Any], target: Target) -> str:
    arn = (cfg["backup_policies"].get(target.category) or {}).get("cross_account_vault_arn")
    if not arn:
        raise DrillInputError(f"{target.id}: category {target.category} has no cross_account_vault_arn")
    return arn


def local_vault_arn(cfg: Mapping[str, Any], target: Target) -> str:
    return backup_vault_arn(cfg["primary_region"], cfg["environment_account_id"], target.vault)


def newest_copy(backup: Any, cfg: Mapping[str, Any], target: Target) -> Source:
    """The newest COMPLETED copy of the target in the backup account (``backup`` is that side's client)."""
    vault_arn = copy_vault_arn(cfg, target)
    name = parse_arn(vault_arn).resource.split(":", 1)[1]
    points = [p for page in backup.get_paginator("list_recovery_points_by_backup_vault").paginate(
                  BackupVaultName=name, ByResourceArn=target.arn)
              for p in page.get("RecoveryPoints") or []]
    done = [p for p in points if p.get("Status") == "COMPLETED" and p.get("ResourceArn", target.arn) == target.arn]
    if not done:
        raise DrillInputError(f"{target.id}: no COMPLETED copy of {target.arn} in {vault_arn} "
                              f"({len(points)} in other states)")
    return Source(target, vault_arn, max(done, key=lambda p: p["CreationDate"]))


def vault_refusal(env_backup: Any, cfg: Mapping[str, Any], target: Target, copy_role: str) -> str | None:
    """Why the local vault's access policy would refuse the copy back (None: it allows it).

    The copy role's own policies live in the backup account and cannot be read from here: they are assumed
    to allow the action, so this decides the vault's half of a cross-account request (both halves must
    allow; https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
    """
    vault = local_vault_arn(cfg, target)
    try:
        text = env_backup.get_backup_vault_access_policy(BackupVaultName=target.vault).get("Policy")
    except env_backup.exceptions.ResourceNotFoundException:
        text = None
    if not text:
        return f"the local vault {vault} has no access policy: it accepts no copy from another account"
    context = {"aws:PrincipalOrgID": cfg.get("organization_id"), "backup:CopyTargets": [vault]}
    assumed = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ACTION, "Resource": "*"}]}
    decision = evaluate(Request(copy_role, ACTION, vault, {k: v for k, v in context.items() if v}),
                        identity_policies=[assumed], resource_policy=json.loads(text))
    return None if decision.allowed else f"the local vault {vault} refuses {ACTION} to {copy_role}: {decision.reason}"


def start(backup: Any, source: Source, destination_vault_arn: str, copy_role: str, retention_days: int,
          drill_id: str) -> str:
    """StartCopyJob in the backup account; the copy expires after ``retention_days``."""
    return backup.start_copy_job(
        RecoveryPointArn=source.point_arn, SourceBackupVaultName=source.vault_name,
        DestinationBackupVaultArn=destination_vault_arn, IamRoleArn=copy_role,
        IdempotencyToken=restore.idempotency_token(drill_id, f"{source.target.id}-copy"),
        Lifecycle={"DeleteAfterDays": retention_days})["CopyJobId"]


def wait(backup: Any, job_id: str, label: str, progress: Progress, *, poll_seconds: float, timeout_seconds: float,
         clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> Copied:
    """Poll DescribeCopyJob until it ends (progress on each poll); the seconds are AWS's own when given."""
    started = clock()
    while True:
        job = backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]
        state = job.get("State")
        if state in ENDED:
            break
        elapsed = clock() - started
        progress(f"{label}: copy job {job_id} {state} ({elapsed:.0f} s)")
        if elapsed > timeout_seconds:
            raise CopyBackFailed(f"copy job {job_id} still {state} after {elapsed:.0f} s (the RTO); left running")
        sleep(poll_seconds)
    created, completed = job.get("CreationDate"), job.get("CompletionDate")
    seconds = ((completed - created).total_seconds() if isinstance(created, datetime) and isinstance(completed, datetime)
               else clock() - started)
    progress(f"{label}: copy job {job_id} {state} in {seconds:.1f} s")
    if state != "COMPLETED" or not job.get("DestinationRecoveryPointArn"):
        raise CopyBackFailed(f"copy job {job_id} {state}: {job.get('StatusMessage') or 'no message'}")
    return Copied(job_id, seconds, job["DestinationRecoveryPointArn"])


def annotate(result: dict[str, Any], source: Source, copied: Copied | None, backup_account: str,
             failure: str | None = None) -> dict[str, Any]:
    """The drill result of a copied-back point: ``source`` the backup account's copy, ``copy_back`` the job,
    a check of the copy itself and of the copy and restore together against the RTO."""
    result["source"] = source.point_arn
    result["source_resource"] = source.target.arn
    result["copy_back"] = {"from_account": backup_account, "from_vault": source.vault_arn,
                           "from_recovery_point": source.point_arn,
                           "copy_job_id": copied.job_id if copied else None,
                           "copy_seconds": round(copied.seconds, 3) if copied else None}
    checks = result["checks"]
    if copied is None:
        checks.insert(0, Check("copy back", FAILED, failure or "the copy back failed").to_json())
    else:
        checks.insert(0, Check("copy back", PASSED, f"COMPLETED, copy job {copied.job_id} from account "
                                                    f"{backup_account}, {copied.seconds:.1f} s").to_json())
        if result.get("restore_seconds") is not None:
            total = copied.seconds + result["restore_seconds"]
            rto = result["rto_seconds"]
            checks.append(Check("restore time with copy back", PASSED if total <= rto else FAILED,
                                f"{total:.1f} s (copy {copied.seconds:.1f} s + restore {result['restore_seconds']:.1f} s)"
                                f" against the RTO of {rto} s").to_json())
    result["status"] = FAILED if any(c["status"] == FAILED for c in checks) else PASSED
    return result


def failed_result(source: Source, account: str, drill_id: str, failure: str, backup_account: str) -> dict[str, Any]:
    """The result of a target whose copy back failed: nothing was restored."""
    from audit.drill.plan import scratch_name

    target = source.target
    result: dict[str, Any] = {"id": target.id, "kind": target.kind, "category": target.category, "source": target.arn,
              "recovery_point_arn": None, "recovery_point_created": None, "account": account,
              "restored_as": scratch_name(target, drill_id), "restore_seconds": None,
              "rto_seconds": target.rto_seconds, "status": FAILED, "checks": [], "reference": None,
              "cleanup": "nothing was restored"}
    return annotate(result, source, None, backup_account, failure)


__all__ = ["CopyBackFailed", "Copied", "Source", "annotate", "check_inputs", "failed_result", "local_vault_arn",
           "newest_copy", "start", "vault_refusal", "wait"]
