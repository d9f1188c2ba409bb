"""The seeded-violation corpus, as data: each seed is an edit of a template or of the configuration and the
exact set of controls the static audit must fail on it (no more, no fewer). ``VIOLATIONS`` is keyed by the
seed's name, ``BY_CONTROL`` by control id (the seeds that must fail it). The tests that run it are
tests/audit/test_violations.py; the SARIF, HTML and waiver tests reuse the same seeds from here."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[2]
TEMPLATES, CONFIG = REPO / "cloudformation", REPO / "config"


def edit_template(name: str, old: str, new: str, count: int = 1) -> Callable[[Path, Path], None]:
    def apply(templates: Path, _config: Path) -> None:
        path = templates / name
        text = path.read_text()
        assert text.count(old) >= count, f"seed does not apply: {old!r} not in {name}"
        path.write_text(text.replace(old, new, count))
    return apply


def remove_statement(name: str, sid: str, occurrence: int = 1) -> Callable[[Path, Path], None]:
    """Remove the ``occurrence``-th policy statement with this Sid (up to the next statement or section)."""
    def apply(templates: Path, _config: Path) -> None:
        path = templates / name
        text = path.read_text()
        pattern = re.compile(rf"( +)- Sid: {re.escape(sid)}\n(?:\1  .*\n)+")
        matches = list(pattern.finditer(text))
        assert len(matches) >= occurrence, f"seed does not apply: statement {sid} not in {name}"
        match = matches[occurrence - 1]
        path.write_text(text[:match.start()] + text[match.end():])
    return apply


def remove_resource(name: str, logical_id: str) -> Callable[[Path, Path], None]:
    def apply(templates: Path, _config: Path) -> None:
        path = templates / name
        text = path.read_text()
        match = re.search(rf"^  {logical_id}:\n(?:(?:    .*)?\n)+", text, flags=re.MULTILINE)
        assert match, f"seed does not apply: resource {logical_id} not in {name}"
        path.write_text(text[:match.start()] + text[match.end():])
    return apply


def edit_config(stem: str, mutate: Callable[[dict], None]) -> Callable[[Path, Path], None]:
    def apply(_templates: Path, config: Path) -> None:
        path = config / f"{stem}.json"
        data = json.loads(path.read_text())
        mutate(data)
        path.write_text(json.dumps(data))
    return apply


def combined(*seeds: Callable[[Path, Path], None]) -> Callable[[Path, Path], None]:
    def apply(templates: Path, config: Path) -> None:
        for seed in seeds:
            seed(templates, config)
    return apply


def add_resource(name: str, text: str) -> Callable[[Path, Path], None]:
    """Add a resource (YAML, indented as under ``Resources:``) to a template."""
    return edit_template(name, "\nResources:\n", "\nResources:\n" + text)


def restore_deny_exempts(role_name: str) -> Callable[[Path, Path], None]:
    """The local SSN vault's restore DENY exempting one role of the environment account, by name."""
    return edit_template("environment-backup.yaml", """              - backup:GetRecoveryPointRestoreMetadata
            Resource: "*"
          - Sid: BreakGlassDenySSNCopyOut""", f"""              - backup:GetRecoveryPointRestoreMetadata
            Resource: "*"
            Condition:
              ArnNotEquals:
                aws:PrincipalArn: !Sub "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{role_name}"
          - Sid: BreakGlassDenySSNCopyOut""")


def _policy(data, category):
    return data["backup_policies"].setdefault(category, {})


VIOLATIONS = {
    "weekly schedule": (edit_template("backup-plan.yaml", "ScheduleExpression: !Ref ScheduleExpression",
                                      'ScheduleExpression: "cron(0 2 ? * SUN *)"'), {"RPO-01", "RPO-02"}),
    "week-long completion window": (edit_config("defaults", lambda d: _policy(d, "document_storage").update(completion_window_minutes=10080)),
                                    {"RPO-01", "RPO-02", "MON-06"}),  # the RPO-breach alarm's window grows to a week
    "critical data kept 10 years": (edit_config("defaults", lambda d: _policy(d, "critical_data").update(
        retention_days=3650, lifecycle={"cold_storage_days": 30, "delete_after_days": 3650})), {"RET-01"}),
    "30-day retention": (edit_config("defaults", lambda d: _policy(d, "critical_data").update(
        retention_days=30, lifecycle={"cold_storage_days": None, "delete_after_days": 30})), {"RET-01", "RET-02"}),
    "cold storage for S3 documents": (edit_config("defaults", lambda d: _policy(d, "document_storage").update(
        lifecycle={"cold_storage_days": 30, "delete_after_days": 2555})), {"RET-02"}),
    "copy goes to cold storage too late": (edit_template(
        "backup-plan.yaml", "                  MoveToColdStorageAfterDays: !If [HasColdStorage, !Ref ColdStorageDays, !Ref AWS::NoValue]",
        "                  MoveToColdStorageAfterDays: !If [HasColdStorage, 2500, !Ref AWS::NoValue]"), {"RET-02", "RET-03", "RET-04"}),
    "copy kept longer than its rule": (edit_template(
        "backup-plan.yaml", "                Lifecycle:\n                  DeleteAfterDays: !Ref DeleteAfterDays",
        "                Lifecycle:\n                  DeleteAfterDays: 3650"), {"RET-01", "RET-04", "RET-05"}),
    "vault lock minimum above retention": (edit_template("backup-account.yaml", "MinRetentionDays: !Ref GeneralLockMinRetentionDays",
                                                          "MinRetentionDays: 3000"), {"RET-05"}),
    "copy action removed": (edit_template("backup-plan.yaml", """            CopyActions:
              - DestinationBackupVaultArn: !Ref DestinationVaultArn
                Lifecycle:
                  DeleteAfterDays: !Ref DeleteAfterDays
                  MoveToColdStorageAfterDays: !If [HasColdStorage, !Ref ColdStorageDays, !Ref AWS::NoValue]
""", ""), {"RPO-02", "ISO-01", "RET-04", "EXP-04"}),
    "copy into the primary region": (edit_template(
        "backup-plan.yaml", "DestinationBackupVaultArn: !Ref DestinationVaultArn",
        'DestinationBackupVaultArn: !Sub "arn:${AWS::Partition}:backup:${AWS::Region}:${AWS::AccountId}:backup-vault:${LocalVaultName}"'),
        {"RPO-02", "ISO-01", "EXP-04"}),
    "only one table selected": (edit_template("backup-plan.yaml", "Resources: !Ref ResourceArns",
                                              "Resources: [!Select [0, !Ref ResourceArns]]"),
                                {"COV-01", "RPO-01", "RPO-02", "ISO-01", "RET-01", "RET-02"}),
    "cross-account vault opened to another account": (edit_template(
        "backup-account.yaml", 'AWS: !Sub "arn:${AWS::Partition}:iam::${EnvironmentAccountId}:root"\n            Action: backup:CopyIntoBackupVault',
        'AWS:\n                - !Sub "arn:${AWS::Partition}:iam::${EnvironmentAccountId}:root"\n                - "arn:aws:iam::999999999999:root"\n'
        '            Action: backup:CopyIntoBackupVault'), {"ISO-02"}),
    "wildcard principal added to a bucket policy": (edit_template(
        "cognito-exporter.yaml", "          - Sid: DenyUploadsAskingForOtherEncryption",
        "          - Sid: PublicRead\n            Effect: Allow\n            Principal: \"*\"\n            Action: s3:GetObject\n"
        "            Resource: !Sub \"${ExportBucket.Arn}/*\"\n          - Sid: DenyUploadsAskingForOtherEncryption"), {"ISO-03"}),
    "destination key usable outside AWS Backup": (edit_template(
        "backup-account.yaml", """                kms:ViaService:
                  - !Sub "backup.${AWS::Region}.amazonaws.com"
                  - !Sub "dynamodb.${AWS::Region}.amazonaws.com"
                aws:PrincipalOrgID: !Ref OrganizationId""", """                aws:PrincipalOrgID: !Ref OrganizationId"""), {"ISO-04"}),
    "local SSN vault open to other backups": (remove_statement("environment-backup.yaml", "DenyBackupsFromAnyoneButSSNBackupRole"), {"ISO-05", "BG-05"}),
    "SSN key deny removed": (remove_statement("environment-backup.yaml", "BreakGlassDenySSNKeyUse"), {"BG-01", "BG-05"}),
    "SSN deny exemption widened to the whole account": (edit_template(
        "environment-backup.yaml", """              ArnNotEquals:
                aws:PrincipalArn:
                  - !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${SSNBackupRoleName}"
                  - !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${BreakGlassRoleName}\"""", """              StringNotEquals:
                aws:PrincipalAccount: !Ref AWS::AccountId"""), {"BG-01", "BG-05"}),
    "SSN role no longer allowed on its key": (remove_statement("environment-backup.yaml", "SSNBackupRoleUseThroughAWSBackup"), {"BG-02"}),
    "break-glass role exempt without the statements": (restore_deny_exempts("${BreakGlassRoleName}"), {"BG-03", "BG-05"}),
    # issue 11: one more *named* role exempt from the restore DENY passed BG-01, BG-03 and BG-04
    "SSN restore deny exempts one more named role": (restore_deny_exempts("ops-restore"), {"BG-05"}),
    "SSN key tagging open to everyone": (remove_statement("backup-account.yaml", "BreakGlassDenySSNKeyTagChange"), {"BG-01", "BG-05"}),
    "SSN vault tagging exempts an administrator": (edit_template(
        "environment-backup.yaml", """              - backup:UntagResource
            Resource: !Sub "arn:${AWS::Partition}:backup:${AWS::Region}:${AWS::AccountId}:backup-vault:${SSNVaultName}"
            Condition:
              ArnNotEquals:
                aws:PrincipalArn: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${BreakGlassRoleName}\"""", """              - backup:UntagResource
            Resource: !Sub "arn:${AWS::Partition}:backup:${AWS::Region}:${AWS::AccountId}:backup-vault:${SSNVaultName}"
            Condition:
              ArnNotLike:
                aws:PrincipalArn:
                  - !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${BreakGlassRoleName}"
                  - !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/Admin*\""""), {"BG-01", "BG-05"}),
    "compliance lock turned into governance": (edit_template("backup-account.yaml", """        MinRetentionDays: !Ref SSNLockMinRetentionDays
        MaxRetentionDays: !Ref SSNLockMaxRetentionDays
        ChangeableForDays: !Ref LockChangeableForDays""", """        MinRetentionDays: !Ref SSNLockMinRetentionDays
        MaxRetentionDays: !Ref SSNLockMaxRetentionDays"""), {"RET-06"}),
    "rotation off": (edit_template("backup-account.yaml", "EnableKeyRotation: true", "EnableKeyRotation: false", 2), {"ENC-01"}),
    "TLS-only bucket policy removed": (remove_resource("sample-application.yaml", "ProviderUsersBucketPolicy"), {"ENC-02"}),
    "Retain removed from a vault": (edit_template("environment-backup.yaml", """  GeneralLocalVault:
    Type: AWS::Backup::BackupVault
    DeletionPolicy: Retain""", """  GeneralLocalVault:
    Type: AWS::Backup::BackupVault
    DeletionPolicy: Delete"""), {"ENC-03"}),
    "bucket unversioned": (edit_template("sample-application.yaml", """      BucketName: !Ref ProviderUsersBucketName
      VersioningConfiguration:
        Status: Enabled""", """      BucketName: !Ref ProviderUsersBucketName
      VersioningConfiguration:
        Status: Suspended"""), {"COV-04"}),
    "table excluded": (edit_config("example", lambda d: d["inventory"]["dynamodb_tables"][4].update(
        excluded=True, exclusion_reason="history can be rebuilt")), {"COV-03"}),
    "bucket excluded without a reason": (edit_config("example", lambda d: d["inventory"]["s3_buckets"][3].pop("exclusion_reason")), {"COV-02"}),
    # monitoring: each seed breaks one way an alert can fail to arrive
    "alert key does not trust EventBridge": (remove_statement("monitoring.yaml", "AllowEventBridgeToEncryptAlerts"), {"MON-03"}),
    "EventBridge key statement conditioned on the source account": (edit_template(
        "monitoring.yaml", """              - kms:Decrypt
            Resource: "*"
          - Sid: AllowCloudWatchAlarmsToEncryptAlerts""", """              - kms:Decrypt
            Resource: "*"
            Condition:
              StringEquals:
                aws:SourceAccount: !Ref AWS::AccountId
          - Sid: AllowCloudWatchAlarmsToEncryptAlerts"""), {"MON-03"}),
    "copy failure rule disabled": (edit_template("monitoring.yaml", """      Description: Cross-account copies that failed (the copy never reached the backup account).
      State: ENABLED""", """      Description: Cross-account copies that failed (the copy never reached the backup account).
      State: DISABLED"""), {"MON-01"}),
    "backup job rule pattern misses FAILED": (edit_template("monitoring.yaml", "state: [FAILED, ABORTED, EXPIRED]",
                                                            "state: [ABORTED, EXPIRED]"), {"MON-01"}),
    "alarm actions disabled": (edit_template("monitoring.yaml", "ActionsEnabled: true", "ActionsEnabled: false"), {"MON-04"}),
    "alert topic unencrypted": (edit_template("monitoring.yaml", """      DisplayName: !Sub "compact-retention ${EnvironmentName} backup alerts"
      KmsMasterKeyId: !GetAtt AlertKey.Arn
""", """      DisplayName: !Sub "compact-retention ${EnvironmentName} backup alerts"
"""), {"MON-02"}),
    "SSN restores sent to the ordinary topic": (edit_template("monitoring.yaml", """            - backupVaultArn: [{exists: false}]
      Targets:
        - {Id: critical-alerts, Arn: !Ref CriticalAlertTopic, DeadLetterConfig: {Arn: !GetAtt UndeliveredAlertsQueue.Arn}}""",
        """            - backupVaultArn: [{exists: false}]
      Targets:
        - {Id: alerts, Arn: !Ref AlertTopic, DeadLetterConfig: {Arn: !GetAtt UndeliveredAlertsQueue.Arn}}"""), {"MON-05"}),
    "RPO alarm threshold typed instead of counted": (edit_template(
        "monitoring.yaml", "Threshold: !Ref GeneralVaultProtectedResources", "Threshold: 1"), {"MON-06"}),
    "partial recovery point alarm of the SSN vault removed": (remove_resource("monitoring.yaml", "SSNPartialRecoveryPointsAlarm"), {"MON-07"}),
    "log group the inventory does not name": (add_resource("cognito-exporter.yaml", """  StrayLogGroup:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /compact-retention/stray
      RetentionInDays: 30
"""), {"COV-06"}),
    "secret without a fixed name": (add_resource("cognito-exporter.yaml", """  StraySecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString: {}
"""), {"COV-06"}),
    "event archive kept forever under an AWS-owned key": (combined(add_resource("cognito-exporter.yaml", """  DataEventsArchive:
    Type: AWS::Events::Archive
    Properties:
      ArchiveName: data-events
      SourceArn: !Sub "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"
"""), edit_config("example", lambda d: d["inventory"]["other_data"].append({
        "id": "data-events", "kind": "event-archive", "name": "data-events", "protection": "excluded",
        "reason": "replays of the data events for debugging"}))), {"EVB-02"}),
}

EXPORTER = "cognito-exporter.yaml"
VIOLATIONS.update({
    "export schedule weekly": (edit_template(EXPORTER, "Default: cron(0 2 * * ? *)", 'Default: "cron(0 2 ? * SUN *)"'), {"EXP-01"}),
    "one pool has no export schedule": (combined(remove_resource(EXPORTER, "ProviderUsersExportSchedule"),
                                                 remove_resource(EXPORTER, "ProviderUsersExportInvokePermission")), {"EXP-01"}),
    "export schedule disabled": (edit_template(EXPORTER, "State: ENABLED", "State: DISABLED"), {"EXP-01"}),
    "export schedule exports the wrong pool": (edit_template(EXPORTER, '''Input: !Sub '{"pool_id": "${ProviderUsersUserPoolId}"}\'''',
                                                             '''Input: !Sub '{"pool_id": "${StaffUsersUserPoolId}"}\''''), {"EXP-01"}),
    "export key rotation off": (edit_template(EXPORTER, "EnableKeyRotation: true", "EnableKeyRotation: false"), {"EXP-02"}),
    "exporter environment not encrypted": (edit_template(EXPORTER, "      KmsKeyArn: !GetAtt ExportKey.Arn\n", ""), {"EXP-02"}),
    "exporter role reads every pool": (edit_template(EXPORTER, 'userpool/${StaffUsersUserPoolId}"', 'userpool/*"'), {"EXP-03"}),
    "exporter role may delete exports": (edit_template(EXPORTER, '${ExportBucket.Arn}/${ExportPrefix}/*/checkpoint.json',
                                                       '${ExportBucket.Arn}/${ExportPrefix}/*'), {"EXP-03"}),
    "exporter role may write the whole bucket": (edit_template(EXPORTER, 'Resource: !Sub "${ExportBucket.Arn}/${ExportPrefix}/*"\n',
                                                               'Resource: !Sub "${ExportBucket.Arn}/*"\n'), {"EXP-03"}),
    "exporter role wildcard service": (edit_template(EXPORTER, "                  - s3:PutObject\n", "                  - s3:*\n"), {"EXP-03"}),
    "export bucket excluded from the inventory": (edit_config("example", lambda d: d["inventory"]["s3_buckets"][1].update(
        excluded=True, exclusion_reason="seeded") or d["inventory"]["s3_buckets"][1].pop("category")),
        {"EXP-04", "RET-01", "RET-02"}),  # the category export_data then protects nothing,
    "exporter without dead-letter queue": (edit_template(EXPORTER, "      DeadLetterConfig:\n        TargetArn: !GetAtt ExporterDeadLetterQueue.Arn\n", ""),
                                           {"EXP-05"}),
    "missing-export alarm ignores missing data": (edit_template(EXPORTER, "TreatMissingData: breaching", "TreatMissingData: notBreaching"),
                                                  {"EXP-05"}),
    "missing-export alarm window of three days": (edit_template(EXPORTER, "EvaluationPeriods: 26\n      DatapointsToAlarm: 26",
                                                                "EvaluationPeriods: 72\n      DatapointsToAlarm: 72"), {"EXP-05"}),
})


VIOLATIONS.update({
    "alert rule without a dead-letter queue": (edit_template(
        "monitoring.yaml", "        - {Id: alerts, Arn: !Ref AlertTopic, DeadLetterConfig: {Arn: !GetAtt UndeliveredAlertsQueue.Arn}}\n",
        "        - {Id: alerts, Arn: !Ref AlertTopic}\n"), {"MON-08"}),
    "dead-letter queue EventBridge may not write to": (remove_statement("monitoring.yaml", "AllowTheAlertRulesToDeadLetter"),
                                                       {"MON-08"}),
    "dead-letter queue without its alarm": (remove_resource("monitoring.yaml", "UndeliveredAlertsAlarm"), {"MON-08"}),
})


VIOLATIONS.update({
    "exporter dead-letter key without EventBridge": (remove_statement(EXPORTER, "AllowEventBridgeToDeadLetterUndeliveredSchedules"),
                                                     {"EXP-05"}),
    "exporter dead-letter queue EventBridge may not write to": (remove_statement(EXPORTER, "AllowTheExportSchedulesToDeadLetter"),
                                                                {"EXP-05"}),
})


VIOLATIONS.update({
    "exporter errors alarm notifies a topic nobody watches": (edit_template(
        EXPORTER, "        - !Ref AlertTopicArn\n",
        '        - !Sub "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:someone-elses-topic"\n'), {"EXP-05", "MON-04"}),
})


EXPORT_EXPIRY = "            ExpirationInDays: !Ref ExportExpirationDays\n"
VIOLATIONS.update({  # EXP-07: the export bucket must expire every current export within the export retention
    "exports never expire": (edit_template(EXPORTER, "          - Id: expire-exports\n            Status: Enabled\n" + EXPORT_EXPIRY, ""),
                             {"EXP-07"}),
    "exports expire after more than the export retention": (edit_template(EXPORTER, EXPORT_EXPIRY, "            ExpirationInDays: 400\n"),
                                                            {"EXP-07"}),
    "export expiry only for tagged objects": (edit_template(EXPORTER, EXPORT_EXPIRY, EXPORT_EXPIRY +
                                                            "            TagFilters:\n              - {Key: expire, Value: \"yes\"}\n"),
                                              {"EXP-07"}),
    "export expiry only under another prefix": (edit_template(EXPORTER, EXPORT_EXPIRY, EXPORT_EXPIRY + "            Prefix: elsewhere/\n"),
                                                {"EXP-07"}),
})


SAMPLE = "sample-application.yaml"
PROVIDER_PITR = ("        PointInTimeRecoveryEnabled: true\n"
                 "        RecoveryPeriodInDays: !Ref ProviderTableRecoveryPeriodInDays\n")
VIOLATIONS.update({  # RES-01: point-in-time recovery on every inventory table, with its category's window
    "point-in-time recovery off on a table": (edit_template(SAMPLE, PROVIDER_PITR, "        PointInTimeRecoveryEnabled: false\n"),
                                              {"RES-01"}),
    "point-in-time recovery window shorter than configured": (edit_template(
        SAMPLE, "RecoveryPeriodInDays: !Ref SsnTableRecoveryPeriodInDays", "RecoveryPeriodInDays: 1"), {"RES-01"}),
    # the template leaves the window to AWS's default (35 days) while the category configures a week
    "point-in-time recovery window left to AWS's default": (combined(
        edit_template(SAMPLE, PROVIDER_PITR, "        PointInTimeRecoveryEnabled: true\n"),
        edit_config("defaults", lambda d: _policy(d, "critical_data").update(point_in_time_recovery_days=7))), {"RES-01"}),
})


TESTING, TESTING_PLAN = "restore-testing.yaml", "restore-testing-plan.yaml"
TABLE_OVERRIDES = "      RestoreMetadataOverrides:\n        encryptionType: KMS\n        kmsMasterKeyArn: !Ref GeneralKeyArn\n"
VIOLATIONS.update({  # RES-02..05: restore testing as the templates set it up
    "SSN vault admitted by a restore testing plan": (edit_template(
        TESTING_PLAN, "        IncludeVaults:\n          - !Ref GeneralVaultArn\n        ExcludeVaults:\n          - !Ref SSNVaultArn\n",
        "        IncludeVaults:\n          - !Ref GeneralVaultArn\n          - !Ref SSNVaultArn\n"), {"RES-02"}),
    "SSN table in a restore testing selection": (edit_template(
        TESTING_PLAN, "      ProtectedResourceArns: !Ref TableArns\n",
        "      ProtectedResourceArns: !Split\n        - \",\"\n        - !Sub\n"
        "          - \"${Tables},arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/compact-connect-example-ssn\"\n"
        "          - Tables: !Join [\",\", !Ref TableArns]\n"), {"RES-02"}),
    "every table selected by * takes in the SSN table": (edit_template(
        TESTING_PLAN, "      ProtectedResourceArns: !Ref TableArns\n", "      ProtectedResourceArns: [\"*\"]\n"), {"RES-02"}),
    "buckets in no restore testing selection": (remove_resource(TESTING_PLAN, "BucketRestoreTestingSelection"), {"RES-02"}),
    "restore tests every 14 days": (edit_template(TESTING_PLAN, "*/${RestoreTestEveryDays} * ? *)", "1,15 * ? *)"), {"RES-02"}),
    "restore testing role no longer denied the SSN vault and key": (remove_statement(TESTING, "DenySSNRestore"), {"RES-03"}),
    "restore testing role may not use the general key": (remove_statement(TESTING, "UseTheGeneralKeyOnly"), {"RES-03"}),
    "table restore tests without the encryption override": (edit_template(TESTING_PLAN, TABLE_OVERRIDES, ""), {"RES-04"}),
    "bucket restore tests under an AWS-managed key": (edit_template(TESTING_PLAN, "        KMSKey: !Ref GeneralKeyArn\n",
                                                                    "        KMSKey: alias/aws/s3\n"), {"RES-04"}),
    "validation rule matches no completed restore": (edit_template(
        TESTING, "          status:\n            - COMPLETED\n", "          status:\n            - RUNNING\n"), {"RES-05"}),
    "validation rule without a dead-letter queue": (edit_template(
        TESTING, "            MaximumEventAgeInSeconds: 14400\n          DeadLetterConfig:\n            Arn: !GetAtt RestoreValidationDLQ.Arn\n",
        "            MaximumEventAgeInSeconds: 14400\n"), {"RES-05"}),
    # MON-04 too: every alarm of the environment must notify an alert topic
    "no-successful-validation alarm without actions": (edit_template(
        TESTING_PLAN, "      TreatMissingData: breaching\n      AlarmActions:\n        - !Ref AlertTopicArn\n",
        "      TreatMissingData: breaching\n"), {"RES-05", "MON-04"}),
    "no-successful-validation alarm ignores missing data": (edit_template(
        TESTING_PLAN, "TreatMissingData: breaching", "TreatMissingData: notBreaching"), {"RES-05"}),
    "failed restore jobs alarm removed": (remove_resource(TESTING, "RestoreJobsFailedAlarm"), {"RES-05"}),
})




def by_control(violations: dict[str, tuple[Callable[[Path, Path], None], set[str]]]) -> dict[str, list[str]]:
    """control id -> the names of the seeds that must fail it."""
    index: dict[str, list[str]] = {}
    for name, (_, expected) in violations.items():
        for control_id in sorted(expected):
            index.setdefault(control_id, []).append(name)
    return index


BY_CONTROL = by_control(VIOLATIONS)
