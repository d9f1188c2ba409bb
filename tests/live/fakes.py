"""Test doubles for the live source: the AWS Backup calls moto 5.2.5 lacks, refusals, and a world.

``FakeAws`` answers, per account, the Backup operations moto does not implement (vault access policies
and notifications, selections, recovery points, global and region settings) and refuses chosen calls of
any service, from a generic ``before-call`` handler installed on the session: botocore then returns the
answer without sending anything, and everything else goes on to moto. (The handler must be generic: a
handler on a more specific event name would run before the source's call counter.)

``build_world`` creates in moto, in two accounts reached by STS AssumeRole, what the example
environment deploys, with known differences, and fills ``FakeAws`` with the rest.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any

import boto3
from botocore import xform_name
from botocore.awsrequest import AWSResponse

ENV, BKP = "111111111111", "222222222222"
ENV_REGION, BKP_REGION = "us-east-1", "us-west-2"
NOW = datetime.now(timezone.utc).replace(microsecond=0)


def role_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:role/compact-retention-audit"


def session_for(account: str, region: str) -> boto3.session.Session:
    """A moto session in ``account`` (moto gives assumed-role credentials the role's account)."""
    sts = boto3.client("sts", region_name=region)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/setup", RoleSessionName="setup")["Credentials"]
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"], region_name=region)


class FakeAws:
    def __init__(self, page_size: int = 2):
        self.page_size = page_size
        self.policies: dict[tuple[str, str], str] = {}
        self.notifications: dict[tuple[str, str], dict[str, Any]] = {}
        self.selections: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        self.recovery_points: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.global_settings: dict[str, Any] = {}   # account -> GlobalSettings dict, or an error code
        self.region_settings: dict[str, dict[str, Any]] = {}
        self.refused: dict[tuple[str, str], str] = {}  # (account, "kms:GetKeyPolicy") -> error code
        self.seen: list[tuple[str, str, dict[str, Any]]] = []  # (account, api, params) of every answered call

    # wiring ------------------------------------------------------------------------------------------
    def install(self, session: boto3.session.Session, account: str) -> None:
        session.events.register("before-parameter-build", self._remember)
        session.events.register("before-call", partial(self._answer, account))

    def refuse(self, account: str, api: str, code: str = "AccessDeniedException") -> None:
        self.refused[(account, api)] = code

    @staticmethod
    def _remember(params, context, **_: Any) -> None:
        context["fake_api_params"] = dict(params)

    def _answer(self, account: str, model, context, **_: Any):
        service = model.service_model.service_name
        api = f"{service}:{model.name}"
        params = context.get("fake_api_params", {})
        if (account, api) in self.refused:
            return self._error(self.refused[(account, api)], f"{api} refused by the test")
        handler = getattr(self, f"_{xform_name(model.name)}", None) if service == "backup" else None
        if handler is None:
            return None
        self.seen.append((account, api, params))
        try:
            return self._ok(handler(account, params))
        except KeyError as missing:
            return self._error("ResourceNotFoundException", f"{missing} not found", 404)
        except LookupError as exc:
            return self._error(str(exc.args[0]), "refused", 400)

    @staticmethod
    def _ok(body: dict[str, Any]):
        return AWSResponse("https://fake.test", 200, {}, None), {**body, "ResponseMetadata": {"HTTPStatusCode": 200}}

    @staticmethod
    def _error(code: str, message: str, status: int = 400):
        return (AWSResponse("https://fake.test", status, {}, None),
                {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}})

    def _page(self, items: list[Any], params: dict[str, Any], key: str) -> dict[str, Any]:
        start = int(params.get("NextToken") or 0)
        size = min(self.page_size, int(params.get("MaxResults") or self.page_size))
        page = {key: items[start:start + size]}
        if start + size < len(items):
            page["NextToken"] = str(start + size)
        return page

    # the Backup operations moto lacks ----------------------------------------------------------------
    def _get_backup_vault_access_policy(self, account, params):
        name = params["BackupVaultName"]
        return {"BackupVaultName": name, "Policy": self.policies[(account, name)]}

    def _get_backup_vault_notifications(self, account, params):
        name = params["BackupVaultName"]
        return {"BackupVaultName": name, **self.notifications[(account, name)]}

    def _list_backup_selections(self, account, params):
        items = [{"SelectionId": sid, "SelectionName": body["SelectionName"], "BackupPlanId": params["BackupPlanId"]}
                 for sid, body in self.selections.get((account, params["BackupPlanId"]), [])]
        return self._page(items, params, "BackupSelectionsList")

    def _get_backup_selection(self, account, params):
        for sid, body in self.selections[(account, params["BackupPlanId"])]:
            if sid == params["SelectionId"]:
                return {"BackupSelection": body, "SelectionId": sid, "BackupPlanId": params["BackupPlanId"]}
        raise KeyError(params["SelectionId"])

    def _list_recovery_points_by_backup_vault(self, account, params):
        points = self.recovery_points.get((account, params["BackupVaultName"]), [])
        points = [p for p in points if p["ResourceArn"] == params.get("ByResourceArn", p["ResourceArn"])
                  and ("ByCreatedAfter" not in params or p["CreationDate"] >= params["ByCreatedAfter"])]
        return self._page(points, params, "RecoveryPoints")

    def _describe_global_settings(self, account, params):
        settings = self.global_settings.get(account, "InvalidRequestException")
        if isinstance(settings, str):
            raise LookupError(settings)
        return {"GlobalSettings": settings}

    def _describe_region_settings(self, account, params):
        return self.region_settings[account]

    def _list_restore_testing_plans(self, account, params):  # no restore testing in this world (moto has none)
        return self._page([], params, "RestoreTestingPlans")


def recovery_point(account: str, region: str, vault: str, resource_arn: str, hours_ago: float, *, status: str = "COMPLETED",
                   delete_after_days: int | None = 2555, cold: int | None = None) -> dict[str, Any]:
    vault_arn = f"arn:aws:backup:{region}:{account}:backup-vault:{vault}"
    created = NOW - timedelta(hours=hours_ago)
    lifecycle = {k: v for k, v in (("DeleteAfterDays", delete_after_days), ("MoveToColdStorageAfterDays", cold)) if v is not None}
    return {"RecoveryPointArn": f"{vault_arn}/rp-{resource_arn.rsplit('/', 1)[-1]}-{hours_ago}", "BackupVaultName": vault,
            "BackupVaultArn": vault_arn, "ResourceArn": resource_arn, "Status": status, "CreationDate": created,
            "Lifecycle": lifecycle}


# the world -------------------------------------------------------------------------------------------
def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


TRUST = doc({"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"})
TLS_ONLY = doc({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})


@dataclass
class World:
    cfg: dict[str, Any]
    fake: FakeAws
    keys: dict[str, str] = field(default_factory=dict)       # label -> key ARN
    key_policies: dict[str, dict] = field(default_factory=dict)
    plans: dict[str, str] = field(default_factory=dict)      # plan name -> plan id
    vault_policies: dict[str, dict] = field(default_factory=dict)
    managed_policy_arn: str = ""

    def factory(self, credentials, *, region_name):
        """The session factory of the tests: the default one (AssumeRole in moto), with the fakes installed."""
        from audit.arns import parse_arn
        from audit.sources.live.aws import default_session

        session = default_session(credentials, region_name=region_name)
        self.fake.install(session, parse_arn(credentials.role_arn).account)
        return session


def read(world: World, cfg: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    """The live snapshot of ``world`` (its progress lines under ``_progress``)."""
    from audit.sources.live.build import Credentials, build_live_snapshot

    lines: list[str] = []
    snapshot = build_live_snapshot(cfg or world.cfg, environment=Credentials(role_arn=role_arn(ENV)),
                                   backup=Credentials(role_arn=role_arn(BKP)), progress=lines.append,
                                   session_factory=world.factory, **kwargs)
    snapshot["_progress"] = lines
    return snapshot


def _key(kms, label: str, world: World, *, rotation: bool, account: str) -> str:
    policy = doc({"Sid": f"{label}-admin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                  "Action": "kms:*", "Resource": "*"})
    arn = kms.create_key(Policy=json.dumps(policy), Description=label)["KeyMetadata"]["Arn"]
    if rotation:
        kms.enable_key_rotation(KeyId=arn)
    world.keys[label], world.key_policies[label] = arn, policy
    return arn


def build_world(cfg: dict[str, Any], fake: FakeAws | None = None, *, full: bool = True) -> World:
    """The example environment in moto + fakes. ``full`` False builds only what scaling tests need
    (the tables of the inventory, their plan and recovery points)."""
    world = World(cfg, fake or FakeAws())
    fake = world.fake
    env, bkp = session_for(ENV, ENV_REGION), session_for(BKP, BKP_REGION)
    names = cfg["vault_names"]
    inventory = cfg["inventory"]

    # keys and vaults -----------------------------------------------------------------------------------
    ekms, bkms = env.client("kms"), bkp.client("kms")
    app_key = _key(ekms, "app", world, rotation=True, account=ENV)
    eb, bb = env.client("backup"), bkp.client("backup")
    for label, session_kms, backup, account, _region, rotation in (
            ("env-general", ekms, eb, ENV, ENV_REGION, True), ("env-ssn", ekms, eb, ENV, ENV_REGION, False),
            ("bkp-general", bkms, bb, BKP, BKP_REGION, True), ("bkp-ssn", bkms, bb, BKP, BKP_REGION, True)):
        key = _key(session_kms, label, world, rotation=rotation, account=account)
        name = names["ssn" if label.endswith("ssn") else "general"]
        backup.create_backup_vault(BackupVaultName=name, EncryptionKeyArn=key)
        if account == ENV:
            backup.put_backup_vault_lock_configuration(BackupVaultName=name, MinRetentionDays=365, MaxRetentionDays=2555)
        else:
            backup.put_backup_vault_lock_configuration(BackupVaultName=name, MinRetentionDays=365, MaxRetentionDays=2555,
                                                       ChangeableForDays=3)
        policy = doc({"Sid": f"{label}-deny-delete", "Effect": "Deny", "Principal": "*",
                      "Action": "backup:DeleteRecoveryPoint", "Resource": "*"})
        if label != "env-ssn":
            fake.policies[(account, name)] = json.dumps(policy)
            world.vault_policies[label] = policy
    eb.create_backup_vault(BackupVaultName="SomeoneElsesVault")  # not configured, targeted by no plan: not read
    fake.notifications[(ENV, names["general"])] = {"SNSTopicArn": f"arn:aws:sns:{ENV_REGION}:{ENV}:backup-events",
                                                   "BackupVaultEvents": ["BACKUP_JOB_FAILED", "COPY_JOB_FAILED"]}

    # plans and selections --------------------------------------------------------------------------------
    general_copy = cfg["backup_policies"]["critical_data"]["cross_account_vault_arn"]
    ssn_copy = cfg["backup_policies"]["ssn_data"]["cross_account_vault_arn"]
    lifecycle = {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 2555}
    for plan_name, vault, copy_to, category in (("critical", names["general"], general_copy, "critical_data"),
                                                ("ssn", names["ssn"], ssn_copy, "ssn_data")):
        rule = {"RuleName": f"{category}-daily", "TargetBackupVaultName": vault, "ScheduleExpression": "cron(0 2 * * ? *)",
                "StartWindowMinutes": 60, "CompletionWindowMinutes": 240, "Lifecycle": lifecycle,
                "CopyActions": [{"DestinationBackupVaultArn": copy_to, "Lifecycle": lifecycle}]}
        created = eb.create_backup_plan(BackupPlan={"BackupPlanName": plan_name, "Rules": [rule]},
                                        BackupPlanTags={"compact-retention:category": category})
        world.plans[plan_name] = created["BackupPlanId"]
    tables = [t for t in inventory["dynamodb_tables"]]
    table_arn = {t["table_name"]: f"arn:aws:dynamodb:{ENV_REGION}:{ENV}:table/{t['table_name']}" for t in tables}
    general_tables = [table_arn[t["table_name"]] for t in tables if t.get("category") != "ssn_data"]
    ssn_tables = [table_arn[t["table_name"]] for t in tables if t.get("category") == "ssn_data"]
    role = f"arn:aws:iam::{ENV}:role/{cfg['roles']['general_backup_role_name']}"
    ssn_role = f"arn:aws:iam::{ENV}:role/CompactConnect-SSNBackupRole"
    selections = [("sel-1", {"SelectionName": "tables-a", "IamRoleArn": role, "Resources": general_tables[:2]}),
                  ("sel-2", {"SelectionName": "tables-b", "IamRoleArn": role, "Resources": general_tables[2:],
                             "NotResources": [], "Conditions": {"StringEquals": [], "StringLike": []}}),
                  ("sel-3", {"SelectionName": "buckets", "IamRoleArn": f"arn:aws:iam::{ENV}:role/SelectionOnlyRole",
                             "Resources": [f"arn:aws:s3:::{b['bucket_name']}" for b in inventory["s3_buckets"] if not b.get("excluded")],
                             "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}]})]
    fake.selections[(ENV, world.plans["critical"])] = selections  # 3 selections: 2 pages of 2
    fake.selections[(ENV, world.plans["ssn"])] = [("sel-ssn", {"SelectionName": "ssn", "IamRoleArn": ssn_role, "Resources": ssn_tables})]

    # tables ------------------------------------------------------------------------------------------
    ddb = env.client("dynamodb")
    for table in tables:
        name = table["table_name"]
        if full and name.endswith("transaction-history"):
            continue  # absent: the controls fail on its absence
        ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
                         SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": app_key},
                         DeletionProtectionEnabled=not name.endswith("compact-configuration"))
        if not name.endswith("compact-configuration"):  # point-in-time recovery off there
            spec: dict[str, Any] = {"PointInTimeRecoveryEnabled": True}  # AWS's default window: 35 days
            if name.endswith("data-event-history"):
                spec["RecoveryPeriodInDays"] = 7  # a window shorter than the configured 35 days
            ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=spec)

    # recovery points: a newer FAILED one, the newest COMPLETED, an older COMPLETED -------------------------
    protected = [(table_arn[t["table_name"]], t.get("category")) for t in tables]
    protected += [(f"arn:aws:s3:::{b['bucket_name']}", b.get("category")) for b in inventory["s3_buckets"] if not b.get("excluded")]
    for index, (arn, category) in enumerate(protected):
        kind = "ssn" if category == "ssn_data" else "general"
        age = 300 if (full and index == 0) else 9  # the first resource's newest point is older than the lookback
        for account, region, vault in ((ENV, ENV_REGION, names[kind]), (BKP, BKP_REGION, names[kind])):
            fake.recovery_points[(account, vault)] += [
                recovery_point(account, region, vault, arn, 2, status="FAILED"),
                recovery_point(account, region, vault, arn, age),
                recovery_point(account, region, vault, arn, age + 24, delete_after_days=35)]
    fake.global_settings[ENV] = {"isCrossAccountBackupEnabled": "true"}
    fake.region_settings[ENV] = {"ResourceTypeOptInPreference": {"DynamoDB": True},
                                 "ResourceTypeManagementPreference": {"DynamoDB": True, "EFS": False}}
    fake.region_settings[BKP] = {"ResourceTypeOptInPreference": {"DynamoDB": True},
                                 "ResourceTypeManagementPreference": {"DynamoDB": False}}
    if not full:
        _roles(env, cfg, world, minimal=True)
        return world

    _roles(env, cfg, world, minimal=False)

    # buckets -------------------------------------------------------------------------------------------
    s3 = env.client("s3")
    by_id = {b["id"]: b["bucket_name"] for b in inventory["s3_buckets"]}
    logs = f"access-logs-{ENV}"
    s3.create_bucket(Bucket=logs)
    s3.put_bucket_policy(Bucket=logs, Policy=json.dumps(doc({
        "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{logs}/*"})))
    good = by_id["provider-users"]
    s3.create_bucket(Bucket=good)
    s3.put_bucket_versioning(Bucket=good, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(Bucket=good, LifecycleConfiguration={"Rules": [
        {"ID": "noncurrent", "Status": "Enabled", "Filter": {"Prefix": ""}, "NoncurrentVersionExpiration": {"NoncurrentDays": 35}},
        {"ID": "disabled", "Status": "Disabled", "Filter": {"Prefix": ""}, "NoncurrentVersionExpiration": {"NoncurrentDays": 5}},
        {"ID": "expire-tagged", "Status": "Enabled", "Filter": {"And": {"Prefix": "docs/", "Tags": [{"Key": "k", "Value": "v"}]}},
         "Expiration": {"Days": 30}},
        {"ID": "expire-all", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 3650}}]})
    s3.put_bucket_encryption(Bucket=good, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": app_key}}]})
    s3.put_public_access_block(Bucket=good, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True})
    s3.put_bucket_policy(Bucket=good, Policy=json.dumps(TLS_ONLY))
    s3.put_bucket_logging(Bucket=good, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": "p/"}})
    plain = by_id["cognito-export"]
    s3.create_bucket(Bucket=plain)
    s3.put_bucket_versioning(Bucket=plain, VersioningConfiguration={"Status": "Suspended"})
    # bulk-uploads and transaction-reports (excluded) do not exist

    # user pools ----------------------------------------------------------------------------------------
    # the first pool exists under the id the configuration names; the second pool's id names no pool
    staff = inventory["cognito_user_pools"][0]
    staff["user_pool_id"] = env.client("cognito-idp").create_user_pool(PoolName=staff["user_pool_name"])["UserPool"]["Id"]
    return world


def _roles(env: boto3.session.Session, cfg: dict[str, Any], world: World, *, minimal: bool) -> None:
    iam = env.client("iam")
    general = cfg["roles"]["general_backup_role_name"]
    iam.create_role(RoleName=general, AssumeRolePolicyDocument=json.dumps(TRUST))
    if minimal:
        return
    iam.put_role_policy(RoleName=general, PolicyName="cross-account-copy", PolicyDocument=json.dumps(
        doc({"Sid": "Copy", "Effect": "Allow", "Action": "backup:CopyIntoBackupVault", "Resource": "*"})))
    policy_arn = iam.create_policy(PolicyName="backup-extra", PolicyDocument=json.dumps(
        doc({"Sid": "V1", "Effect": "Allow", "Action": "backup:ListBackupVaults", "Resource": "*"})))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=policy_arn, SetAsDefault=True, PolicyDocument=json.dumps(
        doc({"Sid": "V2", "Effect": "Deny", "Action": "backup:DeleteBackupVault", "Resource": "*"})))
    iam.attach_role_policy(RoleName=general, PolicyArn=policy_arn)
    world.managed_policy_arn = policy_arn
    iam.create_role(RoleName="CompactConnect-SSNBackupRole", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName="CompactConnect-SSNBackupRole", PolicyName="ssn-table-backup", PolicyDocument=json.dumps(
        doc({"Sid": "SSN", "Effect": "Allow", "Action": "dynamodb:CreateBackup", "Resource": "*"})))
    iam.create_role(RoleName="SelectionOnlyRole", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName="SelectionOnlyRole", PolicyArn=policy_arn)  # the same managed policy: read once
    iam.create_role(RoleName="UnrelatedRole", AssumeRolePolicyDocument=json.dumps(TRUST))  # not read
