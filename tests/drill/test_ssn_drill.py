"""The SSN drill end to end in the sandbox (docs/runbooks/break-glass.md, "Or: the SSN drill"):
``retention drill --env example --resource ssn`` is refused (exit 2, naming the runbook) while the
break-glass is closed, passes once ``retention break-glass open`` has opened all four SSN vaults and keys
(the break-glass role restores, the comparison is exact against the recovery point), and is refused again
after ``break-glass close``. No SSN value reaches stdout, stderr, drill.json or drill.md.

The world: the example's two vault stacks deployed as deploy.sh creates them (the Deployment of
tests/sandbox/test_break_glass_ops.py, reused), the break-glass role in both accounts, the SSN table holding
a fake SSN, and one COMPLETED backup of it in the local SSN vault by the SSN backup role.

The sandbox is not AWS (sandbox/README.md): its restore is instant and its "exact" comparison reads the
recovery point's captured items, which AWS does not expose (on AWS the count and digest are compared with
the live table, reported as ``info``; docs/restore.md, Drills). On AWS the vault access policy and the key
policy are evaluated by AWS Backup and KMS themselves
(https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html); here the sandbox
decides with the project's policy evaluator.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit import break_glass as bg
from audit.cli import main
from tests.support.break_glass import ROLE, TICKET, Deployment
from tests.support.sandbox import BACKUP_ACCOUNT, BACKUP_REGION, ENV_ACCOUNT, ENV_REGION, make_role, sandbox  # noqa: F401

TABLE = "compact-connect-example-ssn"
TABLE_ARN = f"arn:aws:dynamodb:{ENV_REGION}:{ENV_ACCOUNT}:table/{TABLE}"
SSN_VAULT = "CompactConnectBackupVault-SSN"
FAKE_SSN = "123-45-6789"
ITEMS = 25
RUNBOOK = "docs/runbooks/break-glass.md"
# the SSN backup role the deployed stack creates (cloudformation/environment-backup.yaml, SSNBackupRoleName)
SSN_BACKUP_ROLE = f"arn:aws:iam::{ENV_ACCOUNT}:role/CompactConnect-SSNBackupRole"


@pytest.fixture(scope="module")
def world(sandbox, tmp_path_factory):  # noqa: F811
    """The deployed vault stacks (closed break-glass), the break-glass role in both accounts, the SSN table
    (fake SSNs) and one COMPLETED recovery point of it in the local SSN vault."""
    deployed = Deployment(sandbox, tmp_path_factory.mktemp("ssn-drill"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_CONFIG_FILE", deployed.aws_config)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            mp.delenv(name, raising=False)
        deployed.deploy()
        role_name = deployed.cfg["roles"]["break_glass_role_name"]
        assert make_role(sandbox, role_name, key_use=False) == ROLE
        make_role(sandbox, role_name, BACKUP_ACCOUNT, BACKUP_REGION, key_use=False)
        ddb = sandbox.client("dynamodb")
        ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        for n in range(ITEMS):
            ddb.put_item(TableName=TABLE, Item={"pk": {"S": f"provider#{n}"}, "ssn": {"S": FAKE_SSN}})
        backup = sandbox.client("backup")  # kept as long as the SSN vault's lock demands
        job_id = backup.start_backup_job(BackupVaultName=SSN_VAULT, ResourceArn=TABLE_ARN, IamRoleArn=SSN_BACKUP_ROLE,
                                         Lifecycle={"DeleteAfterDays": 2555})["BackupJobId"]
        job = backup.describe_backup_job(BackupJobId=job_id)
        assert job["State"] == "COMPLETED", job.get("StatusMessage")
        point = job["RecoveryPointArn"]
        # a change after the backup: an exact comparison against the recovery point must not see it
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": "added-later"}, "ssn": {"S": FAKE_SSN}})
        deployed.point = point
        yield deployed


@pytest.fixture
def profiles(world, monkeypatch, tmp_path):
    """The example's sandbox profiles (one per account), as the operator reaches them."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", world.aws_config)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    return world


def drill(world, out: Path, capsys) -> tuple[int, str, Path]:
    code = main(["drill", "--env", "example", "--config-dir", str(world.config_dir), "--endpoint-url",
                 world.sandbox.url, "--report-dir", str(out), "--poll-seconds", "0", "--resource", "ssn"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err, out


def assert_refused(world, out: Path, capsys) -> None:
    code, text, reports = drill(world, out, capsys)
    assert code == 2, text
    assert RUNBOOK in text and "break-glass is open" in text
    assert not (reports / "drill.json").exists()
    assert FAKE_SSN not in text
    assert not [t for t in world.sandbox.client("dynamodb").list_tables()["TableNames"] if "ssn-drill" in t]


def test_ssn_drill_is_refused_while_the_break_glass_is_closed(profiles, tmp_path, capsys):
    assert {r.state.status for r in profiles.resources()} == {"closed"}
    assert_refused(profiles, tmp_path, capsys)


def test_ssn_drill_passes_with_the_break_glass_open_and_is_refused_after_close(profiles, tmp_path, capsys):
    code, out = profiles.ops("open", role_arn=ROLE, ticket=TICKET)
    assert code == 0, out
    try:
        assert bg.overall(r.state for r in profiles.resources()) == "open"
        code, text, reports = drill(profiles, tmp_path / "open", capsys)
        assert code == 0, text
        report = json.loads((reports / "drill.json").read_text())
        assert report["status"] == "passed"
        (result,) = report["results"]
        assert result["id"] == "ssn" and result["status"] == "passed", result["checks"]
        assert result["recovery_point_arn"] == profiles.point
        assert result["reference"].startswith("exact") and result["cleanup"].startswith("deleted")
        checks = {c["name"]: c for c in result["checks"]}
        assert f"restored {ITEMS}, recovery point {ITEMS}" in checks["item count"]["detail"]
        # restored by the break-glass role, as AWS Backup's own restore job records it
        jobs = profiles.sandbox.client("backup").list_restore_jobs()["RestoreJobs"]
        (job,) = [j for j in jobs if j["RecoveryPointArn"] == profiles.point]
        assert job["Status"] == "COMPLETED" and job["IamRoleArn"] == ROLE
        for leak in (text, (reports / "drill.json").read_text(), (reports / "drill.md").read_text()):
            assert FAKE_SSN not in leak
        assert not [t for t in profiles.sandbox.client("dynamodb").list_tables()["TableNames"] if "ssn-drill" in t]
    finally:
        code, out = profiles.ops("close", ticket=TICKET)
    assert code == 0, out
    assert {r.state.status for r in profiles.resources()} == {"closed"}
    assert_refused(profiles, tmp_path / "closed", capsys)
