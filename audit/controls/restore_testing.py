"""Restore testing: what AWS Backup restore testing is set up to prove (features/restore.feature, RES-02..04).

RES-02: every protected resource outside the SSN category is in a restore testing selection (by ARN, or
``*`` without conditions) of a plan whose schedule runs at least every ``restore_test_every_days`` of its
category (the largest gap between two runs over a year, ``audit.schedule``, as the RPO controls measure
backup rules) and whose ``IncludeVaults``/``ExcludeVaults`` admit the general local vault. No SSN resource
is in any selection and no plan admits the SSN vault: SSN data is restored only through the break-glass.
A ``*`` selection with ``ProtectedResourceConditions`` is not counted for coverage and is counted as
selecting SSN data: the snapshot holds no resource tags to evaluate the conditions on, and a guess could
only make an uncovered resource pass.

RES-03: the role of every selection, EVALUATED with the policy evaluator (``audit.controls.access``) as the
sandbox decides a restore (``sandbox.backup.models.restore_access``): AWS Backup may assume it; ``backup:StartRestoreJob``
on a general-vault recovery point is not denied (role + vault access policy); the general vault key allows
``kms:Decrypt`` and ``kms:CreateGrant`` (for an AWS resource) through AWS Backup (role + key policy); it may
write the restored test resource (``dynamodb:RestoreTableFromAwsBackup`` on ``awsbackup-restore-test-*``,
``s3:PutObject`` in such a bucket); and the SSN vault and SSN key are denied to it twice: by its OWN
policies (an explicit Deny, so a key policy or a break-glass change cannot open them to restore tests) and
by the whole evaluation with the SSN vault policy and the SSN key policy.

RES-04: every selection's ``RestoreMetadataOverrides`` keep the restored data under a customer-managed key
of the environment account (DynamoDB ``encryptionType`` KMS + ``kmsMasterKeyArn``; S3 ``EncryptionType``
SSE-KMS + ``KMSKey``): without them AWS restores a test table under an AWS-owned key and a test bucket
with SSE-S3 (https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-inferred-metadata.html).
"""
from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any, Iterator

from audit import schedule
from audit.arns import backup_vault_arn
from audit.controls import Outcome
from audit.controls.access import Principal, Target, decide, identity_policies, target
from audit.controls.registry import check, control
from audit.policy import Decision, Request, evaluate
from audit.snapshot import Posture, describe
from audit.sources.records.restore_testing import RESTORE_TEST_TAG, RESTORE_TESTING_APIS

RESOURCE_TYPES = {"dynamodb table": "DynamoDB", "s3 bucket": "S3"}
TEST_PREFIX = RESTORE_TEST_TAG  # AWS names inferred DynamoDB targets so; the templates scope the role to it


# shared ------------------------------------------------------------------------------------------------
def read_failures(posture: Posture, outcome: Outcome, apis: tuple[str, ...]) -> None:
    """Live: a refused or failed read of ``apis`` fails the control, naming the API and the resource (a
    refusal must never pass as "nothing found")."""
    for error in posture.data.get("errors") or []:
        if error.get("api") in apis:
            label = f"{error.get('api')} on {error.get('resource')}"
            outcome.subject(label)
            outcome.check(False, f"{label} in {error.get('account_id')} {error.get('region')} failed ({error.get('error')}): "
                          "the restore testing there is unknown")


def is_ssn(posture: Posture, resource: dict[str, Any]) -> bool:
    return resource.get("category") in posture.env["dedicated_categories"]


def tested_resources(posture: Posture) -> list[dict[str, Any]]:
    """Every protected table and bucket outside the dedicated (SSN) categories: what restore tests cover."""
    return [r for r in posture.protected() if not is_ssn(posture, r)]


def local_plans(posture: Posture) -> list[dict[str, Any]]:
    """Restore testing plans of the environment account and primary region (restores run where the
    recovery point is)."""
    account, region = posture.account("environment"), posture.region("environment")
    return [p for p in posture.data.get("restore_testing_plans") or [] if p["account_id"] == account and p["region"] == region]


def selections(posture: Posture) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for plan in posture.data.get("restore_testing_plans") or []:
        for selection in plan["selections"]:
            yield plan, selection


def selection_label(plan: dict[str, Any], selection: dict[str, Any]) -> str:
    return f"restore testing plan {plan['name']} selection {selection['name']}"


def names(selection: dict[str, Any], resource: dict[str, Any]) -> str | None:
    """How ``selection`` selects ``resource``: "by ARN", "by *", "by * with conditions", or None."""
    if selection.get("resource_type") != RESOURCE_TYPES.get(resource["kind"]):
        return None
    if resource["arn"] in selection["resource_arns"]:
        return "by ARN"
    if "*" in selection["resource_arns"]:
        conditions = selection.get("conditions") or {}
        return "by * with conditions" if any(conditions.values()) else "by *"
    return None


def _admits(plan: dict[str, Any], vault_arn: str) -> bool:
    included = any(fnmatchcase(vault_arn, pattern) for pattern in plan["include_vaults"])
    return included and not any(fnmatchcase(vault_arn, pattern) for pattern in plan["exclude_vaults"])


def vault_arn(posture: Posture, kind: str) -> str:
    return backup_vault_arn(posture.region("environment"), posture.account("environment"), posture.env["vault_names"][kind])


def gap_hours(plan: dict[str, Any]) -> tuple[float | None, str]:
    """The largest gap between two runs of the plan's schedule over a year, and how it was found."""
    try:
        analysis = schedule.analyse(plan["schedule"] or "", timezone=plan.get("timezone"))
    except schedule.ScheduleError as exc:
        return None, f"schedule {plan['schedule']!r} is not valid: {exc}"
    if analysis.max_gap is None:
        return None, f"schedule {plan['schedule']} runs at most once a year"
    return analysis.max_gap_hours, f"schedule {plan['schedule']}: largest gap {analysis.max_gap_hours:g} h"


# RES-02 ------------------------------------------------------------------------------------------------
@control("RES-02", "every protected resource outside the SSN data is in a restore testing selection whose plan "
         "runs at least as often as its category's restore_test_every_days from the general vault",
         severity="high",
         fix="list the resource's ARN in a restore testing selection of its type, in a plan whose schedule runs at "
             "least every restore_test_every_days of its category and whose IncludeVaults holds the general vault; "
             "keep the SSN vault in ExcludeVaults and SSN resources out of every selection")
def every_resource_restore_tested(posture: Posture) -> Outcome:
    outcome = Outcome()
    read_failures(posture, outcome, RESTORE_TESTING_APIS)
    general = vault_arn(posture, "general")
    plans = local_plans(posture)
    for resource in tested_resources(posture):
        name = describe(resource)
        outcome.subject(name)
        every = resource.get("restore_test_every_days")
        if not every:
            outcome.check(False, f"{name}: category {resource.get('category')} configures no restore_test_every_days")
            continue
        covering = [(p, s, how) for p in plans for s in p["selections"] if (how := names(s, resource))]
        if not covering:
            outcome.check(False, f"{name}: in no restore testing selection of the {posture.mode} posture "
                          f"({len(plans)} plans in {posture.account('environment')} {posture.region('environment')})")
            continue
        good = []
        for plan, selection, how in covering:
            label = f"{name}: {selection_label(plan, selection)} ({how})"
            hours, analysis = gap_hours(plan)
            problems = []
            if how == "by * with conditions":
                problems.append("selected by * with tag conditions the snapshot cannot evaluate")
            if hours is None or hours > every * 24:
                problems.append(f"runs less often than every {every} days")
            if not _admits(plan, general):
                problems.append(f"its IncludeVaults {plan['include_vaults']} / ExcludeVaults {plan['exclude_vaults']} "
                                "do not admit the general vault")
            outcome.evidence.append(f"{'ok' if not problems else 'not counted'}: {label}: {analysis}, limit {every * 24} h; "
                                    f"vaults included {plan['include_vaults']}, excluded {plan['exclude_vaults']}"
                                    + (f" ({'; '.join(problems)})" if problems else ""))
            if not problems:
                good.append(label)
        outcome.check(bool(good), f"{name}: restore tested at least every {every} days from the general vault by "
                      f"{len(good)} of {len(covering)} selections naming it",
                      origin=covering[0][1].get("origin"))
    return outcome


@check("no restore testing plan admits the SSN vault and no selection names SSN data",
       fix="keep the SSN vault in every restore testing plan's ExcludeVaults (and out of IncludeVaults) and SSN "
           "resources out of every selection: SSN data is restored only through the break-glass")
def ssn_never_restore_tested(posture: Posture) -> Outcome:
    """No plan admits the SSN vault, no selection names an SSN resource (a ``*`` selection of its type does)."""
    outcome = Outcome()
    read_failures(posture, outcome, RESTORE_TESTING_APIS)
    ssn_vault = vault_arn(posture, "ssn")
    ssn = [r for r in posture.protected() if is_ssn(posture, r)]
    if not posture.data.get("restore_testing_plans"):
        outcome.subject("restore testing plans")
        outcome.evidence.append(f"no restore testing plan in the {posture.mode} posture, so none admits SSN data")
    for plan in posture.data.get("restore_testing_plans") or []:
        label = f"restore testing plan {plan['name']}"
        outcome.subject(label)
        admitted = _admits(plan, ssn_vault)
        outcome.check(not admitted, f"{label}: the SSN vault is {'ADMITTED' if admitted else 'not admitted'} (IncludeVaults "
                      f"{plan['include_vaults']}, ExcludeVaults {plan['exclude_vaults']})", origin=plan.get("origin"))
        for selection in plan["selections"]:
            for resource in ssn:
                how = names(selection, resource)
                if how:
                    outcome.check(False, f"{selection_label(plan, selection)} selects SSN data {describe(resource)} ({how})",
                                  origin=selection.get("origin"))
    return outcome


# RES-03 ------------------------------------------------------------------------------------------------
BACKUP = "backup.amazonaws.com"


def _probe_point(posture: Posture) -> str:
    """A recovery point ARN of the environment account (recovery point ARNs do not name their vault: the
    vault access policy of the vault that holds it decides)."""
    return f"arn:aws:backup:{posture.region('environment')}:{posture.account('environment')}:recovery-point:{TEST_PREFIX}-probe"


def _via_backup(posture: Posture, grant: bool = False) -> dict[str, Any]:
    context = {"kms:ViaService": f"backup.{posture.region('environment')}.amazonaws.com",
               "kms:CallerAccount": posture.account("environment")}
    return {**context, "kms:GrantIsForAWSResource": "true"} if grant else context


def _write(posture: Posture, resource_type: str) -> tuple[str, str]:
    region, account = posture.region("environment"), posture.account("environment")
    if resource_type == "S3":
        return "s3:PutObject", f"arn:aws:s3:::{TEST_PREFIX}-probe/object"
    return "dynamodb:RestoreTableFromAwsBackup", f"arn:aws:dynamodb:{region}:{account}:table/{TEST_PREFIX}-probe"


def _verdict(decision: Decision) -> str:
    return f"{'allowed' if decision.allowed else 'DENIED'} ({decision.reason})"


def _own_deny(who: Principal, action: str, resource: str, account: str, **context: Any) -> Decision:
    """The role's own policies alone (no resource policy): an explicit Deny is what RES-03 asks for."""
    return evaluate(Request(who.arn, action, resource, {**who.context, **context}, resource_account=account),
                    identity_policies=who.identity_policies)


@control("RES-03", "the role of every restore testing selection can restore from the general vault and is denied "
         "the SSN vault and the SSN key",
         severity="critical",
         fix="give the restore testing role (trusted by backup.amazonaws.com) restore, write and general-key "
             "permissions for awsbackup-restore-test-* resources, and an explicit Deny of backup:StartRestoreJob "
             "on the SSN vault and of kms:* on the SSN key")
def testing_role_confined(posture: Posture) -> Outcome:
    outcome = Outcome()
    read_failures(posture, outcome, RESTORE_TESTING_APIS)
    found = list(selections(posture))
    if not found:
        outcome.subject("restore testing selections")
        outcome.check(False, f"no restore testing selection in the {posture.mode} posture, so no testing role to check")
    general_vault, general_key = target(posture, "local general vault"), target(posture, "local general key")
    ssn_vault, ssn_key = target(posture, "local SSN vault"), target(posture, "local SSN key")
    for where in (general_vault, general_key, ssn_vault, ssn_key):
        if not where.found:
            outcome.subject(where.label)
            outcome.check(False, f"{where.label} not found in the {posture.mode} posture, so restores from it cannot be decided")
    account = posture.account("environment")
    checked: set[tuple[str, str | None]] = set()  # (role, resource type), once each
    for plan, selection in found:
        arn = str(selection.get("iam_role_arn"))
        label = f"role {arn} of {selection_label(plan, selection)}"
        if (arn, selection.get("resource_type")) in checked:
            continue
        checked.add((arn, selection.get("resource_type")))
        outcome.subject(label)
        role = posture.role_by_arn(arn)
        if role is None:
            outcome.check(False, f"{label}: not found in the {posture.mode} posture", origin=selection.get("origin"))
            continue
        origin = role.get("origin")
        who = Principal(label, arn, identity_policies(role), {"aws:PrincipalOrgID": posture.env["organization_id"]})
        trust = decide(Principal("AWS Backup", BACKUP, [], {}), "sts:AssumeRole",
                       Target(f"trust policy of {arn}", arn, account, role.get("trust_policy") or {"Statement": []}, "resource"),
                       **{"aws:SourceAccount": account})
        outcome.check(trust.allowed, f"{label}: AWS Backup may assume it: {_verdict(trust)}", origin=origin)
        probe = _probe_point(posture)
        if general_vault.found:
            start = decide(who, "backup:StartRestoreJob", Target(general_vault.label, probe, account, general_vault.policy,
                                                                 "resource"))
            outcome.check(start.kind != "ExplicitDeny", f"{label}: backup:StartRestoreJob on a recovery point of the "
                          f"general vault: {'not denied' if start.kind != 'ExplicitDeny' else 'DENIED'} ({start.reason})",
                          origin=origin)
        if general_key.found:
            for action, grant in (("kms:Decrypt", False), ("kms:CreateGrant", True)):
                decision = decide(who, action, general_key, **_via_backup(posture, grant))
                outcome.check(decision.allowed, f"{label}: {action} on the general key through AWS Backup: "
                              f"{_verdict(decision)}", origin=origin)
        action, resource = _write(posture, str(selection.get("resource_type")))
        write = evaluate(Request(arn, action, resource, {"aws:SecureTransport": True}, resource_account=account),
                         identity_policies=who.identity_policies)
        outcome.check(write.allowed, f"{label}: {action} on {resource}: {_verdict(write)}", origin=origin)
        _denied_ssn(outcome, who, label, posture, ssn_vault, ssn_key, origin)
    return outcome


def _denied_ssn(outcome: Outcome, who: Principal, label: str, posture: Posture, ssn_vault: Target, ssn_key: Target,
                origin: dict[str, Any] | None) -> None:
    account = posture.account("environment")
    vault = vault_arn(posture, "ssn")
    own = _own_deny(who, "backup:StartRestoreJob", vault, account)
    outcome.check(own.kind == "ExplicitDeny", f"{label}: its own policies {'DENY' if own.kind == 'ExplicitDeny' else 'do not deny'} "
                  f"backup:StartRestoreJob on the SSN vault ({own.reason})", origin=origin)
    if ssn_vault.found:
        whole = decide(who, "backup:StartRestoreJob", Target(ssn_vault.label, _probe_point(posture), account,
                                                             ssn_vault.policy, "resource"))
        outcome.check(not whole.allowed, f"{label}: backup:StartRestoreJob on a recovery point of the SSN vault, with the "
                      f"vault access policy: {_verdict(whole)}", origin=origin)
    key_arn = ssn_key.arn or f"arn:aws:kms:{posture.region('environment')}:{account}:key/unknown"
    for action, grant in (("kms:Decrypt", False), ("kms:CreateGrant", True)):
        own = _own_deny(who, action, key_arn, account, **_via_backup(posture, grant))
        outcome.check(own.kind == "ExplicitDeny", f"{label}: its own policies {'DENY' if own.kind == 'ExplicitDeny' else 'do not deny'} "
                      f"{action} on the SSN key ({own.reason})", origin=origin)
        if ssn_key.found:
            whole = decide(who, action, ssn_key, **_via_backup(posture, grant))
            outcome.check(not whole.allowed, f"{label}: {action} on the SSN key through AWS Backup, with the key policy: "
                          f"{_verdict(whole)}", origin=origin)


# RES-04 ------------------------------------------------------------------------------------------------
OVERRIDE_KEYS = {"DynamoDB": ("encryptionType", "KMS", "kmsMasterKeyArn"), "S3": ("EncryptionType", "SSE-KMS", "KMSKey")}


def _field(overrides: dict[str, Any], name: str) -> Any:
    """An override by name, case-insensitively (AWS's inferred-metadata page spells S3's ``encryptionType``
    and ``kmsKey``, the restore metadata ``EncryptionType`` and ``KMSKey``)."""
    return next((v for k, v in overrides.items() if k.lower() == name.lower()), None)


@control("RES-04", "every restore testing selection keeps the restored data under a customer-managed key of the "
         "environment",
         severity="high",
         fix="set RestoreMetadataOverrides on the selection: DynamoDB encryptionType KMS and kmsMasterKeyArn, S3 "
             "EncryptionType SSE-KMS and KMSKey, naming the general customer-managed key")
def restored_data_under_customer_keys(posture: Posture) -> Outcome:
    outcome = Outcome()
    read_failures(posture, outcome, RESTORE_TESTING_APIS)
    found = list(selections(posture))
    if not found:
        outcome.subject("restore testing selections")
        outcome.check(False, f"no restore testing selection in the {posture.mode} posture")
    ssn_key = target(posture, "local SSN key")
    for plan, selection in found:
        label = selection_label(plan, selection)
        outcome.subject(label)
        origin = selection.get("origin")
        kind = selection.get("resource_type")
        if kind not in OVERRIDE_KEYS:
            outcome.check(False, f"{label}: resource type {kind} has no known encryption override", origin=origin)
            continue
        type_key, wanted, key_field = OVERRIDE_KEYS[kind]
        overrides = selection.get("overrides") or {}
        encryption, key_ref = _field(overrides, type_key), _field(overrides, key_field)
        outcome.check(str(encryption).upper() == wanted, f"{label}: {type_key} {encryption or 'not overridden (AWS restores '}"
                      + ("" if encryption else ("an AWS-owned key)" if kind == "DynamoDB" else "SSE-S3)"))
                      + f", must be {wanted}", origin=origin)
        key = posture.key_by_ref(str(key_ref)) if key_ref else None
        if not key_ref:
            outcome.check(False, f"{label}: no {key_field}: restored data would not be under a customer-managed key",
                          origin=origin)
        elif key is None:
            outcome.check(False, f"{label}: {key_field} {key_ref} is not a key of the {posture.mode} posture (an AWS-managed "
                          "key or another account's)", origin=origin)
        else:
            ok = key["manager"] == "CUSTOMER" and key["account_id"] == posture.account("environment") \
                and key["arn"] != ssn_key.arn
            outcome.check(ok, f"{label}: {key_field} {key['arn']}, managed by {key['manager']} in account {key['account_id']}"
                          + (" (the SSN key: reserved for SSN data, denied to restore tests)" if key["arn"] == ssn_key.arn else ""),
                          origin=origin)
    return outcome
