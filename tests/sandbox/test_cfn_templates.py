"""Every template of cloudformation/ deployed into the sandbox with `aws cloudformation deploy` (the AWS CLI
of .venv), with the parameters 'retention params' builds for the example environment: the backup account's
stack in 222222222222/us-west-2, the others in 111111111111/us-east-1. Then the resources are read back
through the service APIs and compared with the template and its parameters, a second deploy must change
nothing, and an update must change the plan (or fail the stack, naming the resource).

This shows the templates deploy in the sandbox's model of AWS; it is no proof that AWS accepts them."""
from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.sandbox import BACKUP_ACCOUNT, BACKUP_REGION, ENV_ACCOUNT, ENV_REGION, REPO_ROOT, VENV_BIN

ENV = "example"
TAGS = f"compact-retention:environment={ENV}"


def retention(*args: str) -> str:
    done = subprocess.run([str(VENV_BIN / "retention"), *args], capture_output=True, text=True, cwd=REPO_ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def stacks() -> list[dict[str, str]]:
    fields = ("key", "name", "side", "account", "region", "profile", "template")
    return [dict(zip(fields, line.split("\t"))) for line in
            retention("stacks", "--env", ENV, "--with-sample-app").splitlines() if line.strip()]


def template_outputs(path: str) -> set[str]:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    return set(yaml.load((REPO_ROOT / path).read_text(), Loader=Loader).get("Outputs", {}))


def packaged(sandbox, stack: dict[str, str], artifacts_bucket: str | None, out: Path) -> str:
    """The template as deploy.sh deploys it: Lambda code built and uploaded with 'aws cloudformation package'."""
    from audit.deployment import has_local_code

    if not has_local_code((REPO_ROOT / stack["template"]).read_text()):
        return stack["template"]
    assert artifacts_bucket, "the artifacts stack deploys before any stack with code"
    # as deploy.sh: the template copied into a private folder whose ../.build/ holds every code folder
    copy = out / "cfn" / Path(stack["template"]).name
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / stack["template"], copy)
    for module, folder in (("exporter.build", "cognito-exporter"), ("restore_validator.build", "restore-validator")):
        subprocess.run([str(VENV_BIN / "python"), "-m", module, str(out / ".build" / folder)],
                       check=True, cwd=REPO_ROOT, capture_output=True)
    target = out / f"{stack['key']}.packaged.yaml"
    sandbox.aws("cloudformation", "package", "--template-file", str(copy), "--s3-bucket", artifacts_bucket,
                "--output-template-file", str(target), account=stack["account"], region=stack["region"])
    return str(target)


def deploy(sandbox, stack: dict[str, str], overrides: list[str], template: str | None = None) -> subprocess.CompletedProcess[str]:
    return sandbox.aws("cloudformation", "deploy", "--stack-name", stack["name"], "--template-file",
                       template or stack["template"], "--parameter-overrides", *overrides, "--capabilities",
                       "CAPABILITY_NAMED_IAM", "--no-fail-on-empty-changeset", "--tags", TAGS,
                       account=stack["account"], region=stack["region"], check=False)


def describe(sandbox, stack: dict[str, str]) -> dict[str, Any]:
    cloudformation = sandbox.client("cloudformation", stack["account"], stack["region"])
    return cloudformation.describe_stacks(StackName=stack["name"])["Stacks"][0]


def failures(sandbox, stack: dict[str, str]) -> list[tuple[str, str, str]]:
    cloudformation = sandbox.client("cloudformation", stack["account"], stack["region"])
    events = cloudformation.describe_stack_events(StackName=stack["name"])["StackEvents"]
    return [(e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", ""))
            for e in events if "FAILED" in e["ResourceStatus"]]


def as_dict(pairs: list[str]) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in pairs)


def outputs_of(description: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs") or []}


@pytest.fixture(scope="module")
def deployed(sandbox, tmp_path_factory) -> dict[str, dict[str, Any]]:
    outputs_dir: Path = tmp_path_factory.mktemp("outputs")
    records = {}
    for stack in stacks():
        overrides = retention("params", "--env", ENV, "--stack", stack["key"], "--outputs-dir",
                              str(outputs_dir)).splitlines()
        template = packaged(sandbox, stack, records.get("artifacts", {}).get("outputs", {}).get("ArtifactsBucketName"), outputs_dir)
        first = deploy(sandbox, stack, overrides, template)
        assert first.returncode == 0, f"{stack['name']}: {first.stderr}{first.stdout}{failures(sandbox, stack)}"
        description = describe(sandbox, stack)
        # what deploy.sh saves: describe-stacks --query 'Stacks[0].Outputs' --output json
        saved = sandbox.aws("cloudformation", "describe-stacks", "--stack-name", stack["name"], "--query",
                            "Stacks[0].Outputs", "--output", "json", account=stack["account"],
                            region=stack["region"]).stdout
        (outputs_dir / f"{stack['key']}.json").write_text(saved)
        records[stack["key"]] = {"stack": stack, "overrides": overrides, "params": as_dict(overrides), "template": template,
                                 "description": description, "outputs": outputs_of(description)}
    return records


def test_the_example_deploys_every_template_over_two_accounts(deployed):
    sides = {(r["stack"]["account"], r["stack"]["region"]) for r in deployed.values()}
    assert sides == {(BACKUP_ACCOUNT, BACKUP_REGION), (ENV_ACCOUNT, ENV_REGION)}
    assert deployed["backup-vaults"]["stack"]["account"] == BACKUP_ACCOUNT
    assert {r["stack"]["template"] for r in deployed.values()} == {
        str(path.relative_to(REPO_ROOT)) for path in (REPO_ROOT / "cloudformation").glob("*.yaml")}


def test_every_stack_is_complete_in_its_account_and_region(deployed):
    for record in deployed.values():
        stack, description = record["stack"], record["description"]
        assert description["StackStatus"] == "CREATE_COMPLETE", stack["name"]
        assert description["StackId"].startswith(
            f"arn:aws:cloudformation:{stack['region']}:{stack['account']}:stack/{stack['name']}/")


def test_outputs_are_returned(deployed):
    for record in deployed.values():
        expected = template_outputs(record["stack"]["template"])
        assert set(record["outputs"]) == expected, record["stack"]["name"]
        assert all(value and value != "None" for value in record["outputs"].values()), record["outputs"]


def test_stacks_exist_only_in_their_own_account(sandbox, deployed):
    vaults = deployed["backup-vaults"]["stack"]
    elsewhere = sandbox.aws("cloudformation", "describe-stacks", "--stack-name", vaults["name"],
                            account=ENV_ACCOUNT, region=BACKUP_REGION, check=False)
    assert elsewhere.returncode != 0 and "does not exist" in elsewhere.stderr


def test_no_resource_type_is_skipped(sandbox, deployed):
    assert "No Moto CloudFormation support" not in sandbox.log()


def statement(policy: str, sid: str) -> dict[str, Any]:
    return next(s for s in json.loads(policy)["Statement"] if s.get("Sid") == sid)


def test_backup_account_vaults_match_the_template(sandbox, deployed):
    record = deployed["backup-vaults"]
    params, outputs = record["params"], record["outputs"]
    backup = sandbox.client("backup", BACKUP_ACCOUNT, BACKUP_REGION)
    now = datetime.now(timezone.utc)
    for prefix, label in (("General", "general"), ("SSN", "ssn")):
        vault = backup.describe_backup_vault(BackupVaultName=outputs[f"{prefix}VaultName"])
        assert vault["BackupVaultArn"] == outputs[f"{prefix}VaultArn"]
        assert vault["BackupVaultArn"] == f"arn:aws:backup:{BACKUP_REGION}:{BACKUP_ACCOUNT}:backup-vault:" \
                                          f"{outputs[f'{prefix}VaultName']}"
        assert vault["EncryptionKeyArn"] == outputs[f"{prefix}KeyArn"]
        assert vault["Locked"] is True
        assert vault["MinRetentionDays"] == int(params[f"{prefix}LockMinRetentionDays"])
        assert vault["MaxRetentionDays"] == int(params[f"{prefix}LockMaxRetentionDays"])
        changeable = int(params.get("LockChangeableForDays", 3))
        assert abs(vault["LockDate"] - (now + timedelta(days=changeable))) < timedelta(minutes=5)  # compliance
        assert backup.list_tags(ResourceArn=vault["BackupVaultArn"])["Tags"] == {
            "compact-retention:environment": ENV, "compact-retention:vault": label}
        key = sandbox.client("kms", BACKUP_ACCOUNT, BACKUP_REGION).describe_key(KeyId=outputs[f"{prefix}KeyArn"])
        assert key["KeyMetadata"]["KeyManager"] == "CUSTOMER"

    general = backup.get_backup_vault_access_policy(BackupVaultName=outputs["GeneralVaultName"])["Policy"]
    allow = statement(general, "AllowCopyFromEnvironmentAccount")
    assert allow["Principal"] == {"AWS": f"arn:aws:iam::{ENV_ACCOUNT}:root"}
    assert allow["Action"] == "backup:CopyIntoBackupVault"
    assert allow["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": params["OrganizationId"]}}
    ssn = backup.get_backup_vault_access_policy(BackupVaultName=outputs["SSNVaultName"])["Policy"]
    assert [s["Sid"] for s in json.loads(ssn)["Statement"]] == [
        "AllowSSNCopyFromEnvironmentAccount", "DenyCopyFromAnyoneButSSNBackupRole", "BreakGlassDenySSNRestore",
        "BreakGlassDenySSNRecoveryPointDestruction", "BreakGlassDenySSNVaultPolicyChange", "BreakGlassDenySSNTagChange"]
    tagging = statement(ssn, "BreakGlassDenySSNTagChange")  # the break-glass record lives in the vault's tags
    assert tagging["Resource"].endswith(f":backup-vault:{outputs['SSNVaultName']}")
    assert statement(ssn, "DenyCopyFromAnyoneButSSNBackupRole")["Condition"]["ArnNotEquals"] == {
        "aws:PrincipalArn": f"arn:aws:iam::{ENV_ACCOUNT}:role/{params.get('SSNBackupRoleName', 'CompactConnect-SSNBackupRole')}"}


def test_environment_vaults_and_roles_match_the_template(sandbox, deployed):
    record = deployed["backup-infrastructure"]
    params, outputs = record["params"], record["outputs"]
    backup = sandbox.client("backup")
    for prefix in ("General", "SSN"):
        vault = backup.describe_backup_vault(BackupVaultName=outputs[f"{prefix}VaultName"])
        assert vault["EncryptionKeyArn"] == outputs[f"{prefix}KeyArn"]
        assert vault["Locked"] is True and "LockDate" not in vault  # governance mode: no ChangeableForDays
        assert vault["MinRetentionDays"] == int(params[f"{prefix}LockMinRetentionDays"])
    ssn_policy = backup.get_backup_vault_access_policy(BackupVaultName=outputs["SSNVaultName"])["Policy"]
    assert "BreakGlassDenySSNCopyOut" in {s["Sid"] for s in json.loads(ssn_policy)["Statement"]}

    iam = sandbox.client("iam")
    general_role = iam.get_role(RoleName=outputs["GeneralBackupRoleArn"].split("/")[-1])["Role"]
    assert general_role["Arn"] == outputs["GeneralBackupRoleArn"]
    trust = general_role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": "backup.amazonaws.com"}
    attached = {p["PolicyArn"] for p in iam.list_attached_role_policies(
        RoleName=general_role["RoleName"])["AttachedPolicies"]}
    assert "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup" in attached
    ssn_role = outputs["SSNBackupRoleArn"].split("/")[-1]
    assert set(iam.list_role_policies(RoleName=ssn_role)["PolicyNames"]) == {"ssn-table-backup", "ssn-explicit-denies"}


def test_plans_and_selections_match_the_configuration(sandbox, deployed):
    backup = sandbox.client("backup")
    plan_records = {k: r for k, r in deployed.items() if k.startswith("plan-")}
    assert len(plan_records) == 5
    for key, record in plan_records.items():
        params, outputs = record["params"], record["outputs"]
        plan = backup.get_backup_plan(BackupPlanId=outputs["BackupPlanId"])
        assert plan["BackupPlanArn"] == outputs["BackupPlanArn"]
        category = params["Category"]
        assert plan["BackupPlan"]["BackupPlanName"] == f"compact-retention-{ENV}-{category}"
        (rule,) = plan["BackupPlan"]["Rules"]
        assert rule["RuleName"] == f"{category}-daily"
        assert rule["TargetBackupVaultName"] == params["LocalVaultName"]
        assert rule["ScheduleExpression"] == params["ScheduleExpression"]
        assert rule["StartWindowMinutes"] == int(params["StartWindowMinutes"])
        assert rule["CompletionWindowMinutes"] == int(params["CompletionWindowMinutes"])
        lifecycle = {"DeleteAfterDays": int(params["DeleteAfterDays"])}
        if int(params["ColdStorageDays"]):
            lifecycle["MoveToColdStorageAfterDays"] = int(params["ColdStorageDays"])
        assert rule["Lifecycle"] == lifecycle, key
        assert rule["CopyActions"] == [{"DestinationBackupVaultArn": params["DestinationVaultArn"],
                                        "Lifecycle": lifecycle}]
        assert rule["RecoveryPointTags"] == {"compact-retention:category": category,
                                             "compact-retention:environment": ENV}
        assert backup.list_tags(ResourceArn=plan["BackupPlanArn"])["Tags"] == rule["RecoveryPointTags"]

        (listed,) = backup.list_backup_selections(BackupPlanId=outputs["BackupPlanId"])["BackupSelectionsList"]
        assert listed["SelectionId"] == outputs["BackupSelectionId"]
        selection = backup.get_backup_selection(BackupPlanId=outputs["BackupPlanId"],
                                                SelectionId=listed["SelectionId"])["BackupSelection"]
        assert selection == {"SelectionName": f"{category}-resources", "IamRoleArn": params["BackupRoleArn"],
                             "Resources": params["ResourceArns"].split(",")}
    ssn = plan_records["plan-ssn-data"]["params"]
    assert ssn["BackupRoleArn"] == deployed["backup-infrastructure"]["outputs"]["SSNBackupRoleArn"]
    assert ssn["DestinationVaultArn"] == deployed["backup-vaults"]["outputs"]["SSNVaultArn"]


def test_sample_application_and_exporter_resources(sandbox, deployed):
    s3 = sandbox.client("s3")
    exporter = deployed["cognito-exporter"]["outputs"]["ExportBucketName"]
    policy = json.loads(s3.get_bucket_policy(Bucket=exporter)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["DenyInsecureTransport", "DenyUploadsAskingForOtherEncryption"]
    assert s3.get_bucket_versioning(Bucket=exporter)["Status"] == "Enabled"
    # the exporter: its function with the dead-letter queue and key, one enabled 02:00 schedule per pool
    record = deployed["cognito-exporter"]
    function = sandbox.client("lambda").get_function_configuration(FunctionName=record["outputs"]["ExporterFunctionArn"])
    assert function["DeadLetterConfig"]["TargetArn"] == record["outputs"]["ExporterDeadLetterQueueArn"]
    assert function["KMSKeyArn"] == record["outputs"]["ExportKeyArn"]
    assert function["Environment"]["Variables"]["EXPORT_BUCKET"] == exporter
    events = sandbox.client("events")
    scheduled = {}
    for rule in events.list_rules(NamePrefix="compact-retention-example-cognito-export-")["Rules"]:
        (target,) = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        assert rule["State"] == "ENABLED" and rule["ScheduleExpression"] == "cron(0 2 * * ? *)"
        assert target["Arn"] == function["FunctionArn"]
        scheduled[json.loads(target["Input"])["pool_id"]] = rule["Name"]
    assert set(scheduled) == {record["params"]["StaffUsersUserPoolId"], record["params"]["ProviderUsersUserPoolId"]}
    queue_url = sandbox.client("sqs").get_queue_url(QueueName="compact-retention-example-cognito-exporter-dlq")["QueueUrl"]
    attributes = sandbox.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert [s["Sid"] for s in json.loads(attributes["Policy"])["Statement"]] == [
        "DenyInsecureTransport", "AllowTheExportSchedulesToDeadLetter"]
    sample = deployed["sample-application"]
    provider_bucket = sample["params"]["ProviderUsersBucketName"]
    assert [s["Sid"] for s in json.loads(s3.get_bucket_policy(Bucket=provider_bucket)["Policy"])["Statement"]] == [
        "DenyInsecureTransport"]

    idp = sandbox.client("cognito-idp")
    for prefix in ("StaffUsers", "ProviderUsers"):
        pool_id = sample["outputs"][f"{prefix}UserPoolId"]
        pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        assert pool["Name"] == sample["params"][f"{prefix}UserPoolName"]
        assert pool["DeletionProtection"] == "ACTIVE" and pool["MfaConfiguration"] == "OPTIONAL"
        groups = {g["GroupName"]: g for g in idp.list_groups(UserPoolId=pool_id)["Groups"]}
        assert set(groups) == {"compact-admins", "readers"} and groups["compact-admins"]["Precedence"] == 1
    tables = set(sandbox.client("dynamodb").list_tables()["TableNames"])
    assert {sample["params"][k] for k in sample["params"] if k.endswith("TableName")} <= tables


def test_a_backup_and_its_copy_fit_the_deployed_vaults(sandbox, deployed):
    """A job as the critical_data rule would start it, then its copy action, with the deployed role and vaults
    (the sandbox runs no schedule; the jobs are started by hand)."""
    params = deployed["plan-critical-data"]["params"]
    lifecycle = {"MoveToColdStorageAfterDays": int(params["ColdStorageDays"]),
                 "DeleteAfterDays": int(params["DeleteAfterDays"])}
    backup = sandbox.client("backup")
    table = params["ResourceArns"].split(",")[0]
    job_id = backup.start_backup_job(BackupVaultName=params["LocalVaultName"], ResourceArn=table,
                                     IamRoleArn=params["BackupRoleArn"], Lifecycle=lifecycle)["BackupJobId"]
    job = backup.describe_backup_job(BackupJobId=job_id)
    assert job["State"] == "COMPLETED", job.get("StatusMessage")
    copy_id = backup.start_copy_job(RecoveryPointArn=job["RecoveryPointArn"],
                                    SourceBackupVaultName=params["LocalVaultName"],
                                    DestinationBackupVaultArn=params["DestinationVaultArn"],
                                    IamRoleArn=params["BackupRoleArn"], Lifecycle=lifecycle)["CopyJobId"]
    copy = backup.describe_copy_job(CopyJobId=copy_id)["CopyJob"]
    assert copy["State"] == "COMPLETED", copy.get("StatusMessage")
    assert copy["DestinationEncryptionKeyArn"] == deployed["backup-vaults"]["outputs"]["GeneralKeyArn"]
    with pytest.raises(Exception, match="minimum retention"):  # the compliance lock of the backup account
        sandbox.client("backup", BACKUP_ACCOUNT, BACKUP_REGION).delete_recovery_point(
            BackupVaultName=deployed["backup-vaults"]["outputs"]["GeneralVaultName"],
            RecoveryPointArn=copy["DestinationRecoveryPointArn"])


def test_a_second_deploy_reports_no_changes(sandbox, deployed):
    for record in deployed.values():
        again = deploy(sandbox, record["stack"], record["overrides"], record["template"])
        assert again.returncode == 0, again.stderr
        assert "No changes to deploy" in again.stdout, record["stack"]["name"]
        assert describe(sandbox, record["stack"])["StackStatus"] == "CREATE_COMPLETE"


def test_an_update_changes_the_plan_in_place(sandbox, deployed):
    record = deployed["plan-export-data"]
    changed = ["ScheduleExpression=cron(30 5 * * ? *)" if o.startswith("ScheduleExpression=") else o
               for o in record["overrides"]]
    update = deploy(sandbox, record["stack"], changed)
    assert update.returncode == 0, update.stderr
    description = describe(sandbox, record["stack"])
    assert description["StackStatus"] == "UPDATE_COMPLETE"
    assert outputs_of(description) == record["outputs"]  # same plan, same selection
    rule = sandbox.client("backup").get_backup_plan(
        BackupPlanId=record["outputs"]["BackupPlanId"])["BackupPlan"]["Rules"][0]
    assert rule["ScheduleExpression"] == "cron(30 5 * * ? *)"
    again = deploy(sandbox, record["stack"], changed)
    assert again.returncode == 0 and "No changes to deploy" in again.stdout


def test_a_failing_update_names_the_resource_and_keeps_the_plan(sandbox, deployed):
    record = deployed["plan-critical-data"]
    too_cold = [("ColdStorageDays=2500" if o.startswith("ColdStorageDays=") else o) for o in record["overrides"]]
    failed = deploy(sandbox, record["stack"], too_cold)
    assert failed.returncode != 0
    assert describe(sandbox, record["stack"])["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    failed_events = failures(sandbox, record["stack"])
    assert any(logical == "BackupPlan" and status == "UPDATE_FAILED" and "90 days" in reason
               for logical, status, reason in failed_events), failed_events
    rule = sandbox.client("backup").get_backup_plan(
        BackupPlanId=record["outputs"]["BackupPlanId"])["BackupPlan"]["Rules"][0]
    assert rule["Lifecycle"]["MoveToColdStorageAfterDays"] == int(record["params"]["ColdStorageDays"])
    again = deploy(sandbox, record["stack"], record["overrides"])  # the stack kept its previous parameters
    assert again.returncode == 0 and "No changes to deploy" in again.stdout
