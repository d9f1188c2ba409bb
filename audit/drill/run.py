"""One resource drilled end to end: recovery point, scratch resource, restore, comparison, timing, clean-up.

Why one function per resource with its own result: a drill of many resources reports each one, and a
failure of one (a failed job, an unreadable reference) is that resource's failed check, not the end of the
run. Preconditions (no recovery point) are raised before anything is created, so the command can exit 2.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, cast

from botocore.exceptions import BotoCoreError, ClientError, WaiterError

from audit.drill import compare, facts, reference, restore
from audit.drill.compare import FAILED, INFO, PASSED, Check
from audit.drill.plan import POOL, TABLE, Target, scratch_name

Progress = Callable[[str], None]


@dataclass
class Options:
    drill_id: str
    role_arn: Callable[[Target], str]
    account: str
    region: str
    endpoint_url: str | None
    keep: bool = False
    poll_seconds: float = 15.0
    exact_reference: bool = False
    import_role_arn: str | None = None  # user pools: the import job's CloudWatchLogsRoleArn (--import-role)


@dataclass
class Prepared:
    target: Target
    point: dict[str, Any]
    metadata: dict[str, str] = field(default_factory=dict)


def find_point(backup: Any, target: Target) -> Prepared:
    """The newest recovery point and its restore metadata (raises ``restore.NoRecoveryPoint``). A user pool has
    none: ``find_source`` finds its export instead."""
    point = restore.newest_point(backup, target)
    return Prepared(target, point, restore.restore_metadata(backup, target, point["RecoveryPointArn"]))


def find_source(clients: Callable[[str], Any], target: Target) -> Any:
    """What a target is restored from: a pool's newest complete export (``pools.NoExport``, a
    ``restore.NoRecoveryPoint``), else the newest recovery point."""
    if target.kind == POOL:
        from audit.drill import pools

        return pools.find_export(clients("s3"), target)
    return find_point(clients("backup"), target)


def drill(prepared: Prepared | Any, clients: Callable[[str], Any], options: Options, progress: Progress) -> dict[str, Any]:
    """The drill.json result of one resource (a user pool's: ``audit.drill.pools``)."""
    if prepared.target.kind == POOL:
        from audit.drill import pools

        return pools.drill(cast(pools.Prepared, prepared), clients, options, progress)
    target, point = prepared.target, prepared.point
    scratch = scratch_name(target, options.drill_id)
    result: dict[str, Any] = {
        "id": target.id, "kind": target.kind, "category": target.category, "source": target.arn,
        "recovery_point_arn": point["RecoveryPointArn"], "recovery_point_created": str(point.get("CreationDate")),
        "account": options.account, "restored_as": scratch, "restore_seconds": None, "rto_seconds": target.rto_seconds,
        "status": FAILED, "checks": [], "reference": None, "cleanup": None}
    checks: list[Check] = result["checks"]
    label = target.id
    created = False
    try:
        metadata = restore.prepare(clients, target, scratch, options.drill_id, prepared.metadata, options.region)
        created = target.kind != TABLE
        progress(f"{label}: restoring {point['RecoveryPointArn']} into {scratch}")
        job_id = restore.start(clients("backup"), target, point["RecoveryPointArn"], metadata, options.role_arn(target),
                               options.drill_id)
        job = restore.wait(clients("backup"), job_id, label, progress, poll_seconds=options.poll_seconds,
                           timeout_seconds=max(target.rto_seconds, 60))
        result["restore_job_id"] = job.job_id
        result["restore_seconds"] = round(job.seconds, 3)
        if job.status != "COMPLETED":
            checks.append(Check("restore job", FAILED, f"{job.status}: {job.message or 'no message'}"))
            return _finish(result, checks)
        created = True
        checks.append(Check("restore job", PASSED, f"COMPLETED, job {job.job_id}"))
        checks.append(_rto(job.seconds, target.rto_seconds))
        checks += _compare(prepared, scratch, job, clients, options, progress, result)
    except (restore.RestoreFailed, reference.ReferenceUnavailable) as exc:
        checks.append(Check("restore", FAILED, str(exc)))
    except (ClientError, BotoCoreError, WaiterError) as exc:
        checks.append(Check("restore", FAILED, f"{type(exc).__name__}: {exc}"))
    finally:
        if created:
            result["cleanup"] = _cleanup(clients, target, scratch, options, progress)
    return _finish(result, checks)


def _finish(result: dict[str, Any], checks: list[Check]) -> dict[str, Any]:
    result["status"] = FAILED if compare.failed(checks) or not checks else PASSED
    result["checks"] = [c.to_json() for c in checks]
    return result


def _rto(seconds: float, rto_seconds: int) -> Check:
    return Check("restore time", PASSED if seconds <= rto_seconds else FAILED,
                 f"{seconds:.1f} s against the RTO of {rto_seconds} s ({rto_seconds / 3600:g} h)")


def _compare(prepared: Prepared, scratch: str, job: restore.Job, clients: Callable[[str], Any], options: Options,
             progress: Progress, result: dict[str, Any]) -> list[Check]:
    target, point_arn = prepared.target, prepared.point["RecoveryPointArn"]
    label = target.id
    if target.kind == TABLE:
        dynamodb = clients("dynamodb")
        described = restore.wait_table(dynamodb, scratch)
        restore.tag_table(dynamodb, described["TableArn"], options.drill_id)
        ref = (reference.sandbox_table(cast(str, options.endpoint_url), point_arn, label, progress) if options.exact_reference
               else reference.live_table(dynamodb, target.name, label, progress))
        restored = facts.read_table(dynamodb, scratch, f"{label} (restored)", progress)
        checks = compare.table_checks(cast(compare.TableFacts, ref.table), restored)
    else:
        s3 = clients("s3")
        ref = (reference.sandbox_bucket(cast(str, options.endpoint_url), point_arn) if options.exact_reference
               else reference.live_bucket(s3, target.name, label, progress))
        restored_objects, keys = facts.read_bucket(s3, scratch, f"{label} (restored)", progress)
        checks = compare.bucket_checks(cast("dict[str, compare.ObjectFacts]", ref.objects), restored_objects,
                                       prepared.metadata.get("KMSKey") or ref.kms_key, keys)
    result["reference"] = ref.note
    if not ref.exact:  # data checks against a source that may have changed: reported, never failing
        data = {"item count", "item digest", "object count", "objects present", "no extra objects", "object content"}
        checks = [Check(c.name, INFO, f"{c.detail}; {ref.note}") if c.name in data and c.status == FAILED else c
                  for c in checks]
    return checks


def _cleanup(clients: Callable[[str], Any], target: Target, scratch: str, options: Options, progress: Progress) -> str:
    if options.keep:
        note = f"kept {scratch} (--keep): delete it when done; its {restore.TAG_KEY} tag is {options.drill_id}"
    else:
        try:
            note = restore.delete_scratch(clients, target, scratch, options.drill_id)
        except (ClientError, BotoCoreError) as exc:
            note = f"NOT deleted {scratch}: {type(exc).__name__}: {exc}"
    progress(f"{target.id}: {note}")
    return note
