"""The sandbox's job runner: run every deployed backup plan as AWS would at a point in time.

AWS runs plans on their schedules; the sandbox has no clock of its own, so ``run_backups(at=...)`` plays
one scheduled run of every rule of every plan in every account and region: a backup job per selected
resource into the rule's vault with the rule's lifecycle (recovery points dated ``at``), then each copy
action. A copy is REFUSED, as a FAILED copy job naming the reason, when AWS would refuse it: the
destination vault's access policy and the destination key's policy are evaluated with the project's IAM
policy evaluator (``audit.policy``) for the plan's role, together with the role's own policies.

Served inside the sandbox process on ``POST /_sandbox/run-backups`` (body ``{"at": ISO 8601,
"organization_id": "o-..."}``), because the jobs need moto's in-memory state; ``retention sandbox
run-backups`` calls it. Other runs at a point in time (``sandbox.restore_test_runner``) add their route to
``ROUTES`` and are served the same way.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable

from audit.policy import Request, evaluate
from sandbox import routes
from sandbox.backup.models.jobs import CopyJob, start_backup_job, start_copy_job
from sandbox.backup.models.plans import normalize_lifecycle
from sandbox.backup.models.policies import iam_policies, key_policy
from sandbox.backup.models.state import backend_for, state
from sandbox.backup.models.vaults import VAULT_ARN

ROUTE = "/_sandbox/run-backups"

#: POST routes of the sandbox's runs: path -> handler(at as naive UTC, request body) -> JSON answer
ROUTES: dict[str, Callable[[datetime, dict[str, Any]], dict[str, Any]]] = {
    ROUTE: lambda at, body: run_backups(at, body.get("organization_id")),
}


def copy_refusal(source_account: str, role_arn: str, destination_arn: str, organization_id: str | None) -> str | None:
    """Why AWS would refuse this copy (vault access policy or key policy), or None."""
    match = VAULT_ARN.match(destination_arn)
    if not match:
        return f"{destination_arn} is not a backup vault ARN"
    account, region, name = match.group("account"), match.group("region"), match.group("name")
    backend = backend_for(account, region)
    vault = backend.vaults.get(name)
    if vault is None:
        return f"destination vault {destination_arn} does not exist"
    identity = iam_policies(source_account, role_arn)
    context = {"backup:CopyTargets": [destination_arn]}
    if organization_id:
        context["aws:PrincipalOrgID"] = organization_id
    policy_text = state(backend).vault_policies.get(name)
    vault_policy = json.loads(policy_text) if policy_text else None
    decision = evaluate(Request(role_arn, "backup:CopyIntoBackupVault", destination_arn, context, resource_account=account),
                        identity_policies=identity, resource_policy=vault_policy)
    if not decision.allowed:
        return f"the destination vault refuses backup:CopyIntoBackupVault to {role_arn}: {decision.reason}"
    key_arn = vault.encryption_key_arn
    key_context = {**context, "kms:ViaService": f"backup.{region}.amazonaws.com"}
    decision = evaluate(Request(role_arn, "kms:GenerateDataKey", key_arn or destination_arn, key_context, resource_account=account),
                        identity_policies=identity, resource_policy=key_policy(account, region, key_arn),
                        resource_policy_type="kms_key")
    if not decision.allowed:
        return f"the destination key {key_arn} refuses kms:GenerateDataKey to {role_arn}: {decision.reason}"
    return None


def _backends():
    from moto.backup.models import backup_backends

    for account_id in list(backup_backends.keys()):
        for region in list(backup_backends[account_id].keys()):
            yield backup_backends[account_id][region]


def run_backups(at: datetime, organization_id: str | None = None) -> dict[str, Any]:
    jobs: list[dict[str, Any]] = []
    for backend in list(_backends()):
        sandbox_state = state(backend)
        for plan_id, plan in list(backend.plans.items()):
            if plan.deletion_date is not None:
                continue
            for selection in sandbox_state.selections.get(plan_id, {}).values():
                role = selection.selection.get("IamRoleArn")
                for resource_arn in selection.selection.get("Resources") or []:
                    if "*" in resource_arn:
                        continue
                    for rule in plan.backup_plan["Rules"]:
                        jobs.extend(_run_rule(backend, rule, resource_arn, role, at, organization_id))
    summary = {"at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "jobs": jobs,
               "backup_jobs": {"completed": sum(j["type"] == "backup" and j["state"] == "COMPLETED" for j in jobs),
                               "failed": sum(j["type"] == "backup" and j["state"] != "COMPLETED" for j in jobs)},
               "copy_jobs": {"completed": sum(j["type"] == "copy" and j["state"] == "COMPLETED" for j in jobs),
                             "failed": sum(j["type"] == "copy" and j["state"] != "COMPLETED" for j in jobs)}}
    return summary


def _run_rule(backend, rule: dict[str, Any], resource_arn: str, role: str, at: datetime,
              organization_id: str | None) -> list[dict[str, Any]]:
    job = start_backup_job(
        backend, vault_name=rule["TargetBackupVaultName"], resource_arn=resource_arn, iam_role_arn=role,
        start_window=rule.get("StartWindowMinutes"), complete_window=rule.get("CompletionWindowMinutes"),
        lifecycle=rule.get("Lifecycle"), recovery_point_tags=rule.get("RecoveryPointTags"))
    results = [{"type": "backup", "resource": resource_arn, "vault": rule["TargetBackupVaultName"],
                "account": backend.account_id, "region": backend.region_name, "state": job.state,
                "message": job.status_message}]
    job.creation_date = job.completion_date = at
    if job.state != "COMPLETED":
        return results
    point = state(backend).recovery_points[job.recovery_point_arn]
    point.creation_date = point.completion_date = at
    for action in rule.get("CopyActions") or []:
        destination = action["DestinationBackupVaultArn"]
        refusal = copy_refusal(backend.account_id, role, destination, organization_id)
        copy = start_copy_job(backend, recovery_point_arn=point.arn, source_vault_name=point.vault_name,
                                         destination_vault_arn=destination, iam_role_arn=role,
                                         lifecycle=action.get("Lifecycle")) if not refusal else None
        if refusal:
            copy = CopyJob(account_id=backend.account_id, source_vault=backend.vaults[point.vault_name],
                                      source_rp=point, destination_vault_arn=destination, iam_role_arn=role,
                                      lifecycle=normalize_lifecycle(action.get("Lifecycle")))
            state(backend).copy_jobs[copy.job_id] = copy
            copy.finish(None, refusal)
        copy.creation_date = copy.completion_date = at
        if copy.state == "COMPLETED":
            match = VAULT_ARN.match(destination)
            target = state(backend_for(match.group("account"), match.group("region")))
            copied = target.recovery_points.get(copy.destination_rp_arn)
            if copied is not None:
                copied.creation_date = copied.completion_date = at
        results.append({"type": "copy", "resource": resource_arn, "vault": destination, "account": backend.account_id,
                        "region": backend.region_name, "state": copy.state, "message": copy.status_message})
    return results


def install_route() -> None:
    """Serve the ``ROUTES`` (``POST /_sandbox/run-backups``, ...) from the moto server (idempotent; a route
    added to ``ROUTES`` later is served too)."""
    routes.add("runs", "POST", lambda path: path in ROUTES, _serve_run)


def _serve_run(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Run ``ROUTES[path]`` at the body's ``at`` (default now), as naive UTC, as moto keeps datetimes."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = json.loads(environ["wsgi.input"].read(length) or b"{}")
    try:
        at = datetime.fromisoformat(str(body.get("at")).replace("Z", "+00:00")) if body.get("at") else \
            datetime.now(timezone.utc)
        # moto keeps naive UTC datetimes: compare like with like
        naive = at.astimezone(timezone.utc).replace(tzinfo=None) if at.tzinfo else at
        result, status = ROUTES[environ["PATH_INFO"]](naive, body), "200 OK"
    except ValueError as exc:
        result, status = {"error": str(exc)}, "400 Bad Request"
    return routes.json_answer(start_response, status, result)
