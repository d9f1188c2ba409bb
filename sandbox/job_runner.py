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
from urllib.parse import unquote

from audit.policy import Request, evaluate
from sandbox import backup_ext

ROUTE = "/_sandbox/run-backups"
#: POST routes of the sandbox's runs: path -> handler(at as naive UTC, request body) -> JSON answer
ROUTES: dict[str, Callable[[datetime, dict[str, Any]], dict[str, Any]]] = {
    ROUTE: lambda at, body: run_backups(at, body.get("organization_id")),
}


def _iam_policies(account_id: str, role_arn: str) -> list[dict[str, Any]]:
    from moto.iam.models import iam_backends

    role_name = role_arn.rsplit("/", 1)[-1]
    try:
        role = iam_backends[account_id]["global"].get_role(role_name)
    except Exception:
        return []
    documents = [json.loads(unquote(doc)) if isinstance(doc, str) else doc for doc in role.policies.values()]
    for policy in role.managed_policies.values():
        version = next((v for v in policy.versions if v.is_default), None)
        if version and version.document:
            documents.append(json.loads(unquote(version.document)))
    return documents


def _key_policy(account_id: str, region: str, key_arn: str | None) -> dict[str, Any] | None:
    from moto.kms.models import kms_backends

    try:
        return json.loads(kms_backends[account_id][region].get_key_policy(key_arn))
    except Exception:
        return None


def copy_refusal(source_account: str, role_arn: str, destination_arn: str, organization_id: str | None) -> str | None:
    """Why AWS would refuse this copy (vault access policy or key policy), or None."""
    match = backup_ext.VAULT_ARN.match(destination_arn)
    if not match:
        return f"{destination_arn} is not a backup vault ARN"
    account, region, name = match.group("account"), match.group("region"), match.group("name")
    backend = backup_ext._backend_for(account, region)
    vault = backend.vaults.get(name)
    if vault is None:
        return f"destination vault {destination_arn} does not exist"
    identity = _iam_policies(source_account, role_arn)
    context = {"backup:CopyTargets": [destination_arn]}
    if organization_id:
        context["aws:PrincipalOrgID"] = organization_id
    policy_text = backup_ext.state(backend).vault_policies.get(name)
    vault_policy = json.loads(policy_text) if policy_text else None
    decision = evaluate(Request(role_arn, "backup:CopyIntoBackupVault", destination_arn, context, resource_account=account),
                        identity_policies=identity, resource_policy=vault_policy)
    if not decision.allowed:
        return f"the destination vault refuses backup:CopyIntoBackupVault to {role_arn}: {decision.reason}"
    key_arn = vault.encryption_key_arn
    key_context = {**context, "kms:ViaService": f"backup.{region}.amazonaws.com"}
    decision = evaluate(Request(role_arn, "kms:GenerateDataKey", key_arn or destination_arn, key_context, resource_account=account),
                        identity_policies=identity, resource_policy=_key_policy(account, region, key_arn),
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
        state = backup_ext.state(backend)
        for plan_id, plan in list(backend.plans.items()):
            if plan.deletion_date is not None:
                continue
            for selection in state.selections.get(plan_id, {}).values():
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
    job = backup_ext.start_backup_job(
        backend, vault_name=rule["TargetBackupVaultName"], resource_arn=resource_arn, iam_role_arn=role,
        start_window=rule.get("StartWindowMinutes"), complete_window=rule.get("CompletionWindowMinutes"),
        lifecycle=rule.get("Lifecycle"), recovery_point_tags=rule.get("RecoveryPointTags"))
    results = [{"type": "backup", "resource": resource_arn, "vault": rule["TargetBackupVaultName"],
                "account": backend.account_id, "region": backend.region_name, "state": job.state,
                "message": job.status_message}]
    job.creation_date = job.completion_date = at
    if job.state != "COMPLETED":
        return results
    point = backup_ext.state(backend).recovery_points[job.recovery_point_arn]
    point.creation_date = point.completion_date = at
    for action in rule.get("CopyActions") or []:
        destination = action["DestinationBackupVaultArn"]
        refusal = copy_refusal(backend.account_id, role, destination, organization_id)
        copy = backup_ext.start_copy_job(backend, recovery_point_arn=point.arn, source_vault_name=point.vault_name,
                                         destination_vault_arn=destination, iam_role_arn=role,
                                         lifecycle=action.get("Lifecycle")) if not refusal else None
        if refusal:
            copy = backup_ext.CopyJob(account_id=backend.account_id, source_vault=backend.vaults[point.vault_name],
                                      source_rp=point, destination_vault_arn=destination, iam_role_arn=role,
                                      lifecycle=backup_ext.normalize_lifecycle(action.get("Lifecycle")))
            backup_ext.state(backend).copy_jobs[copy.job_id] = copy
            copy.finish(None, refusal)
        copy.creation_date = copy.completion_date = at
        if copy.state == "COMPLETED":
            match = backup_ext.VAULT_ARN.match(destination)
            target = backup_ext.state(backup_ext._backend_for(match.group("account"), match.group("region")))
            copied = target.recovery_points.get(copy.destination_rp_arn)
            if copied is not None:
                copied.creation_date = copied.completion_date = at
        results.append({"type": "copy", "resource": resource_arn, "vault": destination, "account": backend.account_id,
                        "region": backend.region_name, "state": copy.state, "message": copy.status_message})
    return results


def install_route() -> None:
    """Serve the ``ROUTES`` (``POST /_sandbox/run-backups``, ...) from the moto server's WSGI application
    (idempotent; a route added to ``ROUTES`` later is served too)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if getattr(DomainDispatcherApplication, "_sandbox_jobs", False):
        return
    original = DomainDispatcherApplication.__call__

    def dispatch(self, environ, start_response):
        handler = ROUTES.get(environ.get("PATH_INFO"))
        if handler is not None and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            try:
                at = datetime.fromisoformat(str(body.get("at")).replace("Z", "+00:00")) if body.get("at") else \
                    datetime.now(timezone.utc)
                # moto keeps naive UTC datetimes: compare like with like
                naive = at.astimezone(timezone.utc).replace(tzinfo=None) if at.tzinfo else at
                result, status = handler(naive, body), "200 OK"
            except ValueError as exc:
                result, status = {"error": str(exc)}, "400 Bad Request"
            payload = json.dumps(result).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
            return [payload]
        return original(self, environ, start_response)

    DomainDispatcherApplication.__call__ = dispatch
    DomainDispatcherApplication._sandbox_jobs = True
