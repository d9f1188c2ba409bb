"""Cross-account isolation: copies leave the account and the region into the vault of their category;
the destination accepts nothing but those copies; SSN data stays in SSN vaults."""
from __future__ import annotations

from typing import Any

from audit.arns import ArnError, parse_arn
from audit.controls import Outcome
from audit.controls.access import OUTSIDE_ACCOUNT, Principal, Target, decide, principal
from audit.controls.common import describe, protected_with_rules, rule_label
from audit.controls.registry import LIVE, control
from audit.snapshot import Posture

OTHER_VAULT_ACTIONS = ["backup:StartRestoreJob", "backup:DeleteRecoveryPoint", "backup:GetRecoveryPointRestoreMetadata",
                       "backup:PutBackupVaultAccessPolicy", "backup:StartCopyJob", "backup:UpdateRecoveryPointLifecycle",
                       "backup:DeleteBackupVault", "backup:ListRecoveryPointsByBackupVault"]


def _kind_for(posture: Posture, category: str | None) -> str:
    return "ssn" if category in posture.env["dedicated_categories"] else "general"


@control("ISO-01", "every rule protecting a resource copies into the vault of its category in the backup account "
         "and region",
         severity="high",
         fix="give every rule a copy action into its category's vault in the backup account and region")
def copies_to_category_vault(posture: Posture) -> Outcome:
    outcome = Outcome()
    env, backup_account, backup_region = posture.env, posture.account("backup"), posture.region("backup")
    for resource, rules in protected_with_rules(posture):
        outcome.subject(describe(resource))
        expected_name = env["vault_names"][_kind_for(posture, resource.get("category"))]
        if not rules:
            outcome.check(False, f"{describe(resource)}: protected by no rule, so copied nowhere")
        for plan, rule in rules:
            label = f"{describe(resource)}, {rule_label(plan, rule)}"
            if not rule["copy_actions"]:
                outcome.check(False, f"{label}: no copy action")
            for copy in rule["copy_actions"]:
                try:
                    arn = parse_arn(copy["destination_vault_arn"] or "")
                except ArnError:
                    outcome.check(False, f"{label}: copy destination {copy['destination_vault_arn']!r} is not an ARN")
                    continue
                name = arn.resource_name
                ok = (arn.account == backup_account != env["environment_account_id"] and arn.region == backup_region
                      != env["primary_region"] and name == expected_name)
                outcome.check(ok, f"{label}: copies to vault {name} in account {arn.account}, region {arn.region}; "
                              f"expected {expected_name} in {backup_account}, {backup_region}")
                exists = posture.vault_by_arn(str(arn)) is not None
                outcome.check(exists, f"{label}: destination vault {arn} {'exists' if exists else 'does not exist'} "
                              f"in the {posture.mode} posture")
    return outcome


def _allow_actions(policy: dict[str, Any]) -> list[tuple[str, list[str]]]:
    statements = policy.get("Statement") or []
    statements = [statements] if isinstance(statements, dict) else statements
    found = []
    for index, statement in enumerate(statements):
        if statement.get("Effect") == "Allow":
            actions = statement.get("Action", [])
            found.append((statement.get("Sid") or f"Statement[{index}]",
                          [actions] if isinstance(actions, str) else list(actions) + (["NotAction"] if "NotAction" in statement else [])))
    return found


@control("ISO-02", "the cross-account vault policies allow only backup:CopyIntoBackupVault from the environment "
         "account in the organization",
         severity="critical",
         fix="let the cross-account vault policy allow only backup:CopyIntoBackupVault, to the environment "
             "account, with aws:PrincipalOrgID")
def destination_vault_policies(posture: Posture) -> Outcome:
    outcome = Outcome()
    vaults = posture.vaults(side="backup")
    for kind in ("general", "ssn"):
        if not posture.vaults(side="backup", kind=kind):
            outcome.check(False, f"cross-account {kind} vault {posture.env['vault_names'][kind]} not found")
    for vault in vaults:
        label = f"vault {vault['name']} ({vault['account_id']}, {vault['region']})"
        outcome.subject(label)
        policy = vault["access_policy"] or {"Statement": []}
        where = Target(label, vault["arn"], vault["account_id"], policy, "resource")
        for sid, actions in _allow_actions(policy):
            outcome.check(actions == ["backup:CopyIntoBackupVault"], f"{label} statement {sid} allows {', '.join(actions)}",
                          f"{label} statement {sid} allows {', '.join(actions)}, not only backup:CopyIntoBackupVault")
        kind = "ssn" if vault["name"] == posture.env["vault_names"]["ssn"] else "general"
        copier = principal(posture, "the SSN backup role" if kind == "ssn" else "the general backup role", "environment")
        _expect(outcome, copier, "backup:CopyIntoBackupVault", where, True, "the environment account's backup role")
        other_org = Principal(copier.label, copier.arn, copier.identity_policies, {**copier.context, "aws:PrincipalOrgID": "o-otherorg000"})
        _expect(outcome, other_org, "backup:CopyIntoBackupVault", where, False, "the same role outside the organization")
        outsider = principal(posture, "an outside account", "backup")
        _expect(outcome, outsider, "backup:CopyIntoBackupVault", where, False, f"account {OUTSIDE_ACCOUNT}")
        admin = principal(posture, "an administrator", "environment")
        for action in OTHER_VAULT_ACTIONS:
            _expect(outcome, admin, action, where, False, "an environment-account administrator")
    return outcome


def _expect(outcome: Outcome, who: Principal, action: str, where: Target, allowed: bool, label: str, **context: Any) -> None:
    decision = decide(who, action, where, **context)
    verdict = "allowed" if decision.allowed else "denied"
    outcome.check(decision.allowed == allowed, f"{label} {action} on {where.label}: {verdict} ({decision.reason})")


def _wildcard(principal_value: Any) -> bool:
    if principal_value == "*":
        return True
    if isinstance(principal_value, dict):
        values = principal_value.get("AWS", [])
        return "*" in ([values] if isinstance(values, str) else values)
    return False


@control("ISO-03", "no vault, key or bucket policy allows principal * without a condition",
         severity="critical",
         fix="add a Condition (e.g. aws:PrincipalOrgID, aws:SourceAccount) or name the principals")
def no_unconditioned_wildcard_principal(posture: Posture) -> Outcome:
    outcome = Outcome()
    policies = [(f"vault {v['name']} ({v['account_id']}) access policy", v["access_policy"]) for v in posture.data["vaults"]]
    policies += [(f"key {k['arn']} policy", k["policy"]) for k in posture.data["keys"]]
    policies += [(f"bucket {b['name']} policy", b["policy"]) for b in posture.data["buckets"]]
    for label, policy in policies:
        if not policy:
            continue
        outcome.subject(label)
        statements = policy.get("Statement") or []
        for index, statement in enumerate([statements] if isinstance(statements, dict) else statements):
            if statement.get("Effect") != "Allow" or not _wildcard(statement.get("Principal")):
                continue
            sid = statement.get("Sid") or f"Statement[{index}]"
            outcome.check(bool(statement.get("Condition")), f"{label} {sid}: Allow to principal * "
                          f"{'with' if statement.get('Condition') else 'WITHOUT'} a condition")
    if not outcome.subjects:
        outcome.subject("resource policies")
        outcome.check(False, "no resource policy found to check")
    else:
        outcome.evidence.append(f"{len(outcome.subjects)} resource policies read")
    return outcome


@control("ISO-04", "the keys of the cross-account vaults can be used by the environment account only through AWS "
         "Backup",
         severity="critical",
         fix="allow the environment account on the destination key only with kms:ViaService = AWS Backup")
def destination_keys_only_through_backup(posture: Posture) -> Outcome:
    outcome = Outcome()
    backup_region = posture.region("backup")
    for kind in ("general", "ssn"):
        vaults = posture.vaults(side="backup", kind=kind)
        if not vaults:
            outcome.check(False, f"cross-account {kind} vault not found")
            continue
        key = posture.key_by_arn(vaults[0]["encryption_key_arn"])
        label = f"key of the cross-account {kind} vault"
        outcome.subject(label)
        if key is None:
            outcome.check(False, f"{label}: {vaults[0]['encryption_key_arn']} is not a customer-managed key of the snapshot")
            continue
        where = Target(label, key["arn"], key["account_id"], key["policy"], "kms_key")
        role = "the SSN backup role" if kind == "ssn" else "the general backup role"
        who = principal(posture, role, "environment")
        via_backup = {"kms:ViaService": f"backup.{backup_region}.amazonaws.com"}
        _expect(outcome, who, "kms:GenerateDataKey", where, True, f"{role} through AWS Backup", **via_backup)
        _expect(outcome, who, "kms:Decrypt", where, False, f"{role} directly")
        _expect(outcome, who, "kms:Decrypt", where, False, f"{role} through S3", **{"kms:ViaService": f"s3.{backup_region}.amazonaws.com"})
        _expect(outcome, principal(posture, "an outside account", "backup"), "kms:Decrypt", where, False,
                f"account {OUTSIDE_ACCOUNT} through AWS Backup", **via_backup)
    return outcome


@control("ISO-05", "SSN data is backed up and copied only into the SSN vaults, and no other role can put data there",
         severity="critical",
         fix="back up and copy SSN data only into the SSN vaults, and nothing else there")
def ssn_data_only_in_ssn_vaults(posture: Posture) -> Outcome:
    outcome = Outcome()
    ssn_name = posture.env["vault_names"]["ssn"]
    for resource, rules in protected_with_rules(posture):
        is_ssn = resource.get("category") in posture.env["dedicated_categories"]
        for plan, rule in rules:
            label = f"{describe(resource)}, {rule_label(plan, rule)}"
            outcome.subject(label)
            destinations = [(c["destination_vault_arn"] or "").rsplit(":", 1)[-1] for c in rule["copy_actions"]]
            into_ssn = [rule["target_vault"] == ssn_name, *[d == ssn_name for d in destinations]]
            copies = ", ".join(destinations) or "nothing"
            if is_ssn:
                outcome.check(all(into_ssn), f"{label}: SSN data into {rule['target_vault']}, copies to {copies}")
            else:
                outcome.check(not any(into_ssn), f"{label}: non-SSN data into {rule['target_vault']}, copies to {copies}")
    # The vaults themselves must refuse: an administrator has no role-level deny to hide behind.
    others = [principal(posture, "the general backup role", "environment"), principal(posture, "an administrator", "environment")]
    for side, action in (("environment", "backup:StartBackupJob"), ("environment", "backup:CopyIntoBackupVault"),
                         ("backup", "backup:CopyIntoBackupVault")):
        vaults = posture.vaults(side=side, kind="ssn")
        if not vaults:
            outcome.check(False, f"{side} SSN vault {ssn_name} not found")
            continue
        vault = vaults[0]
        where = Target(f"{side} SSN vault", vault["arn"], vault["account_id"], vault["access_policy"] or {"Statement": []}, "resource")
        outcome.subject(where.label)
        for who in others:
            _expect(outcome, who, action, where, False, who.label)
    return outcome


@control("ISO-06", "cross-account backup is enabled for the organization and DynamoDB advanced features in both "
         "accounts' regions",
         severity="high", modes=LIVE,
         fix="enable cross-account backup from the management account and DynamoDB advanced features "
             "(UpdateRegionSettings) in both accounts' regions; see docs/setup.md")
def account_settings_enabled(posture: Posture) -> Outcome:
    """Live: cross-account backup enabled for the organization; DynamoDB advanced features in both regions."""
    outcome = Outcome()
    settings = posture.data.get("settings") or {}
    outcome.subject("organization cross-account backup")
    enabled = settings.get("cross_account_backup")
    outcome.check(enabled is True, f"cross-account backup enabled: {enabled}")
    for side in ("environment", "backup"):
        key = f"{posture.account(side)}:{posture.region(side)}"
        outcome.subject(f"region settings {key}")
        value = (settings.get("region_settings") or {}).get(key, {}).get("dynamodb_advanced")
        outcome.check(value is True, f"{side} account {key}: DynamoDB advanced features {value}")
    return outcome
