"""BG-01..05 on snapshot fixtures: the healthy example passes; an SSN DENY removed or widened, the SSN
backup role's key use or copy taken away, the break-glass role opened before the change or still shut
after it, a break-glass left open, half-open or opened outside the runbook (live), and an exemption or a
named principal nobody documented each fail, naming the principal, action and SSN vault or key."""
from __future__ import annotations

from functools import partial

from tests.controls.support import Case, combined, edit_statement, family_tests, key_of, vault_of, with_statement, without_statement

local_vault = partial(vault_of, kind="ssn", side="environment")
cross_vault = partial(vault_of, kind="ssn", side="backup")
local_key = partial(key_of, kind="ssn", side="environment")
cross_key = partial(key_of, kind="ssn", side="backup")
BREAK_GLASS_ROLE = "arn:aws:iam::111111111111:role/CompactConnect-SSNBreakGlassRole"
STRANGER = "arn:aws:iam::111111111111:role/SomeOtherRole"
RECORD = {"compact-retention:break-glass-ticket": "INC-42", "compact-retention:break-glass-opened-at": "2026-11-27T09:00:00Z",
          "compact-retention:break-glass-opened-by": "arn:aws:sts::111111111111:assumed-role/Admin/someone",
          "compact-retention:break-glass-role": BREAK_GLASS_ROLE}


def drop_key(holder):
    def mutate(snapshot: dict) -> None:
        gone = holder(snapshot)
        snapshot["keys"] = [k for k in snapshot["keys"] if k is not gone]
    return mutate


def drop_vault(holder):
    def mutate(snapshot: dict) -> None:
        gone = holder(snapshot)
        snapshot["vaults"] = [v for v in snapshot["vaults"] if v is not gone]
    return mutate


def tags(holder, value):
    return lambda snapshot: holder(snapshot).update(break_glass_tags=value)


def open_restore_to(arn: str):
    """The local vault's restore DENY exempts ``arn``."""
    return edit_statement(local_vault, "access_policy", "BreakGlassDenySSNRestore",
                          Condition={"ArnNotEquals": {"aws:PrincipalArn": arn}})


CASES = {
    "BG-01": [
        Case("restore DENY removed from the local vault", without_statement(local_vault, "access_policy", "BreakGlassDenySSNRestore"),
             "backup:StartRestoreJob on local SSN vault"),
        Case("key use DENY removed from the local key", without_statement(local_key, "policy", "BreakGlassDenySSNKeyUse"),
             "kms:Decrypt on local SSN key"),
        Case("tag DENY removed from the cross-account vault", without_statement(cross_vault, "access_policy", "BreakGlassDenySSNTagChange"),
             "backup:TagResource on cross-account SSN vault"),
        Case("local SSN key missing", drop_key(local_key), "local SSN key: not found in the static posture"),
    ],
    "BG-02": [
        Case("SSN backup role may not use the local key", without_statement(local_key, "policy", "SSNBackupRoleUseThroughAWSBackup"),
             "kms:GenerateDataKey on local SSN key"),
        Case("copies refused by the cross-account vault", without_statement(cross_vault, "access_policy",
                                                                              "AllowSSNCopyFromEnvironmentAccount"),
             "backup:CopyIntoBackupVault on cross-account SSN vault"),
        Case("cross-account SSN vault missing", drop_vault(cross_vault), "cross-account SSN vault: not found in the static posture"),
    ],
    "BG-03": [
        Case("restore DENY exempts the break-glass role before any emergency", open_restore_to(BREAK_GLASS_ROLE),
             "backup:StartRestoreJob on local SSN vault: allowed"),
        Case("restores denied to everyone, even after the change",
             with_statement(local_vault, "access_policy", Sid="DenyAllRestores", Effect="Deny", Principal="*",
                            Action="backup:StartRestoreJob", Resource="*"),
             "backup:StartRestoreJob on local SSN vault: explicitly denied (explicitly denied by statement DenyAllRestores of the "
             "resource policy), expected allowed"),
        Case("cross-account SSN key missing", drop_key(cross_key), "cross-account SSN key: not found in the static posture"),
    ],
    "BG-04": [
        Case("break-glass recorded but not applied", tags(local_vault, RECORD),
             "break-glass record since 2026-11-27T09:00:00Z for ticket INC-42 but the policy carries none of its statements"),
        Case("break-glass statements without a record",
             with_statement(cross_key, "policy", Sid="BreakGlassAllowDecrypt", Effect="Allow",
                            Principal={"AWS": "arn:aws:iam::222222222222:role/CompactConnect-SSNBreakGlassRole"},
                            Action=["kms:Decrypt", "kms:DescribeKey"], Resource="*"),
             "break-glass statements without a record"),
        Case("tags unreadable", tags(local_key, None), "its tags could not be read"),
        Case("local SSN vault missing", drop_vault(local_vault), "local SSN vault: not found in the live posture"),
    ],
    "BG-05": [
        Case("restore DENY exempts an undocumented role", open_restore_to(STRANGER),
             "local SSN vault DENY BreakGlassDenySSNRestore: also exempts"),
        Case("documented DENY missing", without_statement(cross_vault, "access_policy", "BreakGlassDenySSNRecoveryPointDestruction"),
             "cross-account SSN vault DENY BreakGlassDenySSNRecoveryPointDestruction: documented, but not in the policy"),
        Case("undocumented DENY with an exemption",
             with_statement(local_key, "policy", Sid="ExtraDeny", Effect="Deny", Principal="*", Action="kms:Decrypt", Resource="*",
                            Condition={"ArnNotEquals": {"aws:PrincipalArn": STRANGER}}),
             "(an undocumented DENY must apply to everyone)"),
        Case("a named principal exempted and allowed to decrypt",
             combined(edit_statement(cross_key, "policy", "BreakGlassDenySSNKeyUse", Condition={"ArnNotEquals": {"aws:PrincipalArn": [
                 "arn:aws:iam::111111111111:role/CompactConnect-SSNBackupRole", BREAK_GLASS_ROLE.replace("111111111111", "222222222222"),
                 STRANGER]}}),
                 with_statement(cross_key, "policy", Sid="Stranger", Effect="Allow", Principal={"AWS": STRANGER},
                                Action="kms:Decrypt", Resource="*")),
             f"cross-account SSN key: {STRANGER}, named in an SSN policy, may kms:Decrypt"),
        Case("local SSN key missing", drop_key(local_key), "local SSN key: not found in the static posture, or it has no policy"),
    ],
}

test_healthy_passes, test_each_violation_fails = family_tests(CASES)
