"""The sandbox's CloudFormation types on their own: create, update (in place and by replacement) and delete,
including the types the project's templates do not use yet (CloudWatch alarm, SNS topic policy, CloudTrail
trail). One small template, deployed with the AWS CLI, updated with other parameters, then deleted."""
from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String}
  MinDays: {Type: Number}
  Precedence: {Type: Number}
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: !Sub "extra ${Stage}"
      EnableKeyRotation: true
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Sid: !Sub "Root${Stage}"
            Effect: Allow
            Principal: {AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
            Action: "kms:*"
            Resource: "*"
  Topic:
    Type: AWS::SNS::Topic
    Properties: {TopicName: extra-alerts}
  TopicPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Topic]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Sid: !Sub "Events${Stage}"
            Effect: Allow
            Principal: {Service: events.amazonaws.com}
            Action: sns:Publish
            Resource: !Ref Topic
  Vault:
    Type: AWS::Backup::BackupVault
    Properties:
      BackupVaultName: extra-vault
      EncryptionKeyArn: !GetAtt Key.Arn
      LockConfiguration: {MinRetentionDays: !Ref MinDays}
      Notifications: {SNSTopicArn: !Ref Topic, BackupVaultEvents: [BACKUP_JOB_FAILED, COPY_JOB_FAILED]}
      AccessPolicy:
        Version: "2012-10-17"
        Statement:
          - Sid: !Sub "Deny${Stage}"
            Effect: Deny
            Principal: "*"
            Action: backup:DeleteRecoveryPoint
            Resource: "*"
      BackupVaultTags: {stage: !Ref Stage}
  Plan:
    Type: AWS::Backup::BackupPlan
    Properties:
      BackupPlan:
        BackupPlanName: extra-plan
        BackupPlanRule:
          - RuleName: daily
            TargetBackupVault: !Ref Vault
            Lifecycle: {DeleteAfterDays: 35}
  Selection:
    Type: AWS::Backup::BackupSelection
    Properties:
      BackupPlanId: !Ref Plan
      BackupSelection:
        SelectionName: by-tag
        IamRoleArn: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/BackupRole"
        ListOfTags:
          - {ConditionType: STRINGEQUALS, ConditionKey: stage, ConditionValue: !Ref Stage}
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: extra-backup-jobs-failed
      AlarmDescription: !Sub "failed backup jobs (${Stage})"
      Namespace: AWS/Backup
      MetricName: NumberOfBackupJobsFailed
      Dimensions: [{Name: BackupVaultName, Value: !Ref Vault}]
      Statistic: Sum
      Period: 3600
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      TreatMissingData: notBreaching
      AlarmActions: [!Ref Topic]
  TrailBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "extra-trail-${AWS::AccountId}"
      VersioningConfiguration: {Status: Enabled}
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: extra-trail
      S3BucketName: !Ref TrailBucket
      IsLogging: true
      IsMultiRegionTrail: true
  Pool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: extra-pool
      Policies: {PasswordPolicy: {MinimumLength: 12}}
      Schema: [{Name: compact, AttributeDataType: String, Mutable: true}]
  Group:
    Type: AWS::Cognito::UserPoolGroup
    Properties:
      UserPoolId: !Ref Pool
      GroupName: admins
      Precedence: !Ref Precedence
Outputs:
  VaultArn: {Value: !GetAtt Vault.BackupVaultArn}
  PlanVersion: {Value: !GetAtt Plan.VersionId}
  SelectionId: {Value: !GetAtt Selection.SelectionId}
  AlarmArn: {Value: !GetAtt Alarm.Arn}
  TrailArn: {Value: !GetAtt Trail.Arn}
  PoolArn: {Value: !GetAtt Pool.Arn}
  ProviderURL: {Value: !GetAtt Pool.ProviderURL}
"""
STACK = "sandbox-extra-types"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("extra") / "extra.yaml"
    path.write_text(TEMPLATE)
    return str(path)


def deploy(sandbox, template: str, stage: str, min_days: int, precedence: int):
    result = sandbox.aws("cloudformation", "deploy", "--stack-name", STACK, "--template-file", template,
                         "--parameter-overrides", f"Stage={stage}", f"MinDays={min_days}", f"Precedence={precedence}",
                         "--no-fail-on-empty-changeset", check=False)
    cloudformation = sandbox.client("cloudformation")
    events = cloudformation.describe_stack_events(StackName=STACK)["StackEvents"]
    assert result.returncode == 0, [e.get("ResourceStatusReason") for e in events if "FAILED" in e["ResourceStatus"]]
    stack = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]
    return stack["StackStatus"], {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def sids(policy: str) -> list[str]:
    return [s["Sid"] for s in json.loads(policy)["Statement"]]


@pytest.fixture(scope="module")
def created(sandbox, template):
    sandbox.client("iam").create_role(RoleName="BackupRole", AssumeRolePolicyDocument=json.dumps(
        {"Statement": [{"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"},
                        "Action": "sts:AssumeRole"}]}))
    return deploy(sandbox, template, "a", 7, 1)


def test_create(sandbox, created):
    status, outputs = created
    assert status == "CREATE_COMPLETE"
    backup = sandbox.client("backup")
    vault = backup.describe_backup_vault(BackupVaultName="extra-vault")
    assert vault["BackupVaultArn"] == outputs["VaultArn"] and vault["MinRetentionDays"] == 7
    assert sids(backup.get_backup_vault_access_policy(BackupVaultName="extra-vault")["Policy"]) == ["Denya"]
    assert backup.get_backup_vault_notifications(BackupVaultName="extra-vault")["BackupVaultEvents"] == [
        "BACKUP_JOB_FAILED", "COPY_JOB_FAILED"]
    key = sandbox.client("kms").get_key_policy(KeyId=vault["EncryptionKeyArn"], PolicyName="default")
    assert sids(key["Policy"]) == ["Roota"]
    topic_arn = backup.get_backup_vault_notifications(BackupVaultName="extra-vault")["SNSTopicArn"]
    topic = sandbox.client("sns").get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    assert sids(topic["Policy"]) == ["Eventsa"]
    (alarm,) = sandbox.client("cloudwatch").describe_alarms(AlarmNames=["extra-backup-jobs-failed"])["MetricAlarms"]
    assert alarm["AlarmArn"] == outputs["AlarmArn"] and alarm["AlarmActions"] == [topic_arn]
    assert alarm["Dimensions"] == [{"Name": "BackupVaultName", "Value": "extra-vault"}]
    trail = sandbox.client("cloudtrail").get_trail_status(Name="extra-trail")
    assert trail["IsLogging"] is True
    assert outputs["ProviderURL"].startswith("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_")
    pool_id = outputs["PoolArn"].split("/")[-1]
    assert sandbox.client("cognito-idp").get_group(UserPoolId=pool_id, GroupName="admins")["Group"]["Precedence"] == 1


def test_update_in_place_and_by_replacement(sandbox, template, created):
    _, before = created
    status, after = deploy(sandbox, template, "b", 10, 5)
    assert status == "UPDATE_COMPLETE"
    backup = sandbox.client("backup")
    vault = backup.describe_backup_vault(BackupVaultName="extra-vault")
    assert vault["MinRetentionDays"] == 10
    assert sids(backup.get_backup_vault_access_policy(BackupVaultName="extra-vault")["Policy"]) == ["Denyb"]
    assert backup.list_tags(ResourceArn=vault["BackupVaultArn"])["Tags"] == {"stage": "b"}
    assert sids(sandbox.client("kms").get_key_policy(KeyId=vault["EncryptionKeyArn"],
                                                     PolicyName="default")["Policy"]) == ["Rootb"]
    plan_id = backup.list_backup_plans()["BackupPlansList"][0]["BackupPlanId"]
    (selection,) = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    assert selection["SelectionId"] == after["SelectionId"] != before["SelectionId"]  # replaced
    assert after["PlanVersion"] == before["PlanVersion"]  # the plan did not change
    (alarm,) = sandbox.client("cloudwatch").describe_alarms(AlarmNames=["extra-backup-jobs-failed"])["MetricAlarms"]
    assert alarm["AlarmDescription"] == "failed backup jobs (b)"
    pool_id = after["PoolArn"].split("/")[-1]
    assert sandbox.client("cognito-idp").get_group(UserPoolId=pool_id, GroupName="admins")["Group"]["Precedence"] == 5


def test_delete(sandbox, template, created):
    cloudformation = sandbox.client("cloudformation")
    cloudformation.delete_stack(StackName=STACK)
    with pytest.raises(ClientError):
        cloudformation.describe_stacks(StackName=STACK)
    backup = sandbox.client("backup")
    assert "extra-vault" not in {v["BackupVaultName"] for v in backup.list_backup_vaults()["BackupVaultList"]}
    assert backup.list_backup_plans()["BackupPlansList"] == []
    assert sandbox.client("cloudwatch").describe_alarms(AlarmNames=["extra-backup-jobs-failed"])["MetricAlarms"] == []
    assert sandbox.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []
    assert sandbox.client("cloudtrail").describe_trails()["trailList"] == []
    assert "No Moto CloudFormation support" not in sandbox.log()


WRONG_POLICY_PATH = """
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: wrong-path-role
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: backup.amazonaws.com}, Action: "sts:AssumeRole"}]
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup
        - arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForS3Backup
"""


def test_a_managed_policy_arn_that_aws_does_not_have_fails_the_stack(sandbox, tmp_path):
    """The S3 backup policies live at the root path, not under service-role/ (shared facts)."""
    path = tmp_path / "wrong.yaml"
    path.write_text(WRONG_POLICY_PATH)
    result = sandbox.aws("cloudformation", "deploy", "--stack-name", "wrong-policy-path", "--template-file",
                         str(path), "--capabilities", "CAPABILITY_NAMED_IAM", check=False)
    assert result.returncode != 0
    cloudformation = sandbox.client("cloudformation")
    assert cloudformation.describe_stacks(StackName="wrong-policy-path")["Stacks"][0]["StackStatus"] == \
        "ROLLBACK_COMPLETE"
    reasons = [e.get("ResourceStatusReason", "") for e in
               cloudformation.describe_stack_events(StackName="wrong-policy-path")["StackEvents"]
               if e["ResourceStatus"] == "CREATE_FAILED" and e["LogicalResourceId"] == "Role"]
    assert reasons and "service-role/AWSBackupServiceRolePolicyForS3Backup" in reasons[0]
    with pytest.raises(ClientError):
        sandbox.client("iam").get_role(RoleName="wrong-path-role")


PITR_TABLES = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
""" + "".join(f"""  {logical}:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: pitr-{logical.lower()}
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
{spec}""" for logical, spec in (
    ("Windowed", "      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7}\n"),
    ("Defaulted", "      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}\n"),
    ("Off", "")))


def test_tables_get_point_in_time_recovery_with_the_window_of_their_template(sandbox, tmp_path):
    """RES-01 reads the window DescribeContinuousBackups reports: the sandbox applies the template's
    RecoveryPeriodInDays (moto's CloudFormation ignored the whole specification), AWS's 35 days when none
    is given, and nothing when point-in-time recovery is not asked for."""
    path = tmp_path / "pitr.yaml"
    path.write_text(PITR_TABLES)
    result = sandbox.aws("cloudformation", "deploy", "--stack-name", "pitr-tables", "--template-file", str(path), check=False)
    assert result.returncode == 0
    dynamodb = sandbox.client("dynamodb")

    def described(name: str) -> dict:
        return dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]

    windowed, defaulted = described("pitr-windowed"), described("pitr-defaulted")
    assert (windowed["PointInTimeRecoveryStatus"], windowed["RecoveryPeriodInDays"]) == ("ENABLED", 7)
    assert (defaulted["PointInTimeRecoveryStatus"], defaulted["RecoveryPeriodInDays"]) == ("ENABLED", 35)
    assert described("pitr-off")["PointInTimeRecoveryStatus"] == "DISABLED"
