"""The live source reads back what was created in two moto accounts (plus the Backup fakes), in exactly the
shape of the static source; refused reads become errors; every List is followed to its last page."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from audit.sources.live.aws import default_session
from audit.sources.live.build import Credentials, LiveSourceError, build_live_snapshot
from audit.sources.static.build import build_snapshot

from .fakes import BKP, BKP_REGION, ENV, ENV_REGION, NOW, TLS_ONLY, TRUST, FakeAws, build_world, doc, read, role_arn

ACCESS_DENIED = {"AccessDenied", "AccessDeniedException"}


@pytest.fixture
def world(shared):
    return shared[0]


@pytest.fixture
def live(shared):
    return shared[1]


def by(items, key="name"):
    return {item[key]: item for item in items}


def vault(snapshot, account, name):
    return next(v for v in snapshot["vaults"] if v["account_id"] == account and v["name"] == name)


# shape -----------------------------------------------------------------------------------------------
def _shape(value):
    """Keys all the way down (lists: the union of their items' shapes; an empty list never hides the shape
    another item's list has)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()} if not any(":" in k or "/" in k for k in value) else "mapping"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        merged: dict = {}
        for item in value:
            merged.update({k: v for k, v in _shape(item).items() if v is not None or k not in merged})
        return merged
    return None


def _without_origin(shape):
    if isinstance(shape, dict):
        return {k: _without_origin(v) for k, v in shape.items() if k != "origin"}
    return shape


@pytest.mark.parametrize("kind", ["vaults", "keys", "roles", "plans", "tables", "buckets", "user_pools"])
def test_every_resource_has_exactly_the_keys_of_the_static_source(live, example_cfg, kind):
    static = build_snapshot(example_cfg)
    assert live[kind] and static[kind]
    for item in live[kind]:
        assert set(item) == set(static[kind][0]), kind
    live_shape, static_shape = _shape(live[kind]), _shape(static[kind])
    # policies and tags are documents, not shapes; notifications are None in the templates
    for ignored in ("access_policy", "policy", "trust_policy", "inline_policies", "managed_policies", "tags", "notifications"):
        live_shape.pop(ignored, None), static_shape.pop(ignored, None)
    assert _without_origin(live_shape) == _without_origin(static_shape)
    for item in live[kind]:
        assert set(item["origin"]) == {"account_id", "region", "api"}


def test_the_snapshot_frame_is_the_static_one_plus_live_facts(shared):
    world, live = shared
    static = build_snapshot(world.cfg)
    assert live["mode"] == "live" and live["format"] == static["format"]
    assert live["environment"] == static["environment"] and live["inventory"] == static["inventory"]
    assert set(live) - {"_progress"} == set(static) | {"taken_at", "errors", "api_calls"}
    assert live["stacks"] == [] and live["errors"] == []
    assert json.loads(json.dumps(live)) == live  # JSON-serialisable as is


# what was created ------------------------------------------------------------------------------------
def test_vaults(live, world, cfg):
    names = cfg["vault_names"]
    assert {(v["account_id"], v["name"]) for v in live["vaults"]} == {
        (ENV, names["general"]), (ENV, names["ssn"]), (BKP, names["general"]), (BKP, names["ssn"])}  # not SomeoneElsesVault
    local = vault(live, ENV, names["general"])
    assert local == {
        "name": names["general"], "arn": f"arn:aws:backup:{ENV_REGION}:{ENV}:backup-vault:{names['general']}",
        "account_id": ENV, "region": ENV_REGION, "encryption_key_arn": world.keys["env-general"],
        "access_policy": world.vault_policies["env-general"],
        "lock": {"mode": "governance", "min_retention_days": 365, "max_retention_days": 2555, "changeable_for_days": None},
        "notifications": {"BackupVaultEvents": ["BACKUP_JOB_FAILED", "COPY_JOB_FAILED"],
                          "SNSTopicArn": f"arn:aws:sns:{ENV_REGION}:{ENV}:backup-events"},
        "break_glass_tags": {}, "deletion_policy": None, "update_replace_policy": None,
        "origin": {"account_id": ENV, "region": ENV_REGION, "api": "backup:DescribeBackupVault"}}
    local_ssn = vault(live, ENV, names["ssn"])
    assert local_ssn["access_policy"] is None and local_ssn["notifications"] is None  # none set: None, no error
    remote = vault(live, BKP, names["ssn"])
    assert remote["arn"] == cfg["backup_policies"]["ssn_data"]["cross_account_vault_arn"]
    assert remote["region"] == BKP_REGION and remote["encryption_key_arn"] == world.keys["bkp-ssn"]
    assert remote["lock"] == {"mode": "compliance", "min_retention_days": 365, "max_retention_days": 2555,
                              "changeable_for_days": None}
    assert remote["access_policy"] == world.vault_policies["bkp-ssn"]


def test_keys(live, world):
    keys = by(live["keys"], "arn")
    # every vault key and the key of the protected tables and buckets, each once
    assert set(keys) == {world.keys[k] for k in ("app", "env-general", "env-ssn", "bkp-general", "bkp-ssn")}
    assert keys[world.keys["env-ssn"]]["rotation_enabled"] is False
    remote = keys[world.keys["bkp-general"]]
    assert remote == {"arn": world.keys["bkp-general"], "account_id": BKP, "region": BKP_REGION, "manager": "CUSTOMER",
                      "rotation_enabled": True, "enabled": True, "policy": world.key_policies["bkp-general"],
                      "break_glass_tags": {}, "deletion_policy": None, "update_replace_policy": None,
                      "origin": {"account_id": BKP, "region": BKP_REGION, "api": "kms:DescribeKey"}}
    assert live["api_calls"]["kms:DescribeKey"] == 5


def test_roles_with_real_managed_documents(live, world, cfg):
    roles = by(live["roles"])
    general = cfg["roles"]["general_backup_role_name"]
    assert set(roles) == {general, "CompactConnect-SSNBackupRole", "SelectionOnlyRole"}  # not UnrelatedRole
    role = roles[general]
    assert role["arn"] == f"arn:aws:iam::{ENV}:role/{general}" and role["account_id"] == ENV
    assert role["trust_policy"] == TRUST
    assert role["inline_policies"] == {"cross-account-copy": doc(
        {"Sid": "Copy", "Effect": "Allow", "Action": "backup:CopyIntoBackupVault", "Resource": "*"})}
    v2 = doc({"Sid": "V2", "Effect": "Deny", "Action": "backup:DeleteBackupVault", "Resource": "*"})
    assert role["managed_policies"] == {world.managed_policy_arn: v2}  # the default version, not v1
    assert roles["SelectionOnlyRole"]["managed_policies"] == {world.managed_policy_arn: v2}
    assert live["api_calls"]["iam:GetPolicyVersion"] == 1  # a managed policy is read once


def test_plans_rules_copy_actions_selections_and_tags(live, world, cfg):
    plans = by(live["plans"])
    assert set(plans) == {"critical", "ssn"}
    plan = plans["critical"]
    assert plan["id"] == world.plans["critical"] and plan["account_id"] == ENV and plan["region"] == ENV_REGION
    assert plan["tags"] == {"compact-retention:category": "critical_data"}
    lifecycle = {"delete_after_days": 2555, "cold_storage_after_days": 30}
    assert plan["rules"] == [{
        "name": "critical_data-daily", "target_vault": cfg["vault_names"]["general"], "schedule": "cron(0 2 * * ? *)",
        "timezone": "Etc/UTC",
        "start_window_minutes": 60, "completion_window_minutes": 240, "lifecycle": lifecycle,
        "copy_actions": [{"destination_vault_arn": cfg["backup_policies"]["critical_data"]["cross_account_vault_arn"],
                          "lifecycle": lifecycle}],
        "continuous": False}]
    selections = by(plan["selections"])
    assert list(selections) == ["tables-a", "tables-b", "buckets"]  # three selections over two pages
    assert [s["has_conditions"] for s in selections.values()] == [False, False, True]
    assert selections["tables-a"]["iam_role_arn"] == f"arn:aws:iam::{ENV}:role/{cfg['roles']['general_backup_role_name']}"
    assert selections["tables-a"]["resources"] == [t["arn"] for t in live["inventory"]["tables"] if t["category"] != "ssn_data"][:2]
    assert selections["tables-a"]["not_resources"] == []
    assert selections["buckets"]["origin"] == {"account_id": ENV, "region": ENV_REGION, "api": "backup:GetBackupSelection"}
    assert plans["ssn"]["selections"][0]["resources"] == [f"arn:aws:dynamodb:{ENV_REGION}:{ENV}:table/compact-connect-example-ssn"]


def test_tables(live, world):
    tables = by(live["tables"])
    assert "compact-connect-example-transaction-history" not in tables  # absent, and not an error
    assert len(tables) == 5
    provider = tables["compact-connect-example-provider"]
    assert provider == {"name": "compact-connect-example-provider",
                        "arn": f"arn:aws:dynamodb:{ENV_REGION}:{ENV}:table/compact-connect-example-provider",
                        "account_id": ENV, "region": ENV_REGION, "pitr": True, "pitr_recovery_period_days": 35,
                        "encryption": {"type": "KMS", "kms_key": world.keys["app"]}, "deletion_protection": True,
                        "origin": {"account_id": ENV, "region": ENV_REGION, "api": "dynamodb:DescribeTable"}}
    configuration = tables["compact-connect-example-compact-configuration"]
    assert configuration["pitr"] is False and configuration["deletion_protection"] is False
    assert configuration["pitr_recovery_period_days"] is None  # no window without point-in-time recovery
    assert tables["compact-connect-example-data-event-history"]["pitr_recovery_period_days"] == 7


def test_buckets(live, world, cfg):
    buckets = by(live["buckets"])
    names = {b["id"]: b["bucket_name"] for b in cfg["inventory"]["s3_buckets"]}
    assert set(buckets) == {names["provider-users"], names["cognito-export"]}  # the others do not exist
    good = buckets[names["provider-users"]]
    assert good == {"name": names["provider-users"], "arn": f"arn:aws:s3:::{names['provider-users']}", "account_id": ENV,
                    "region": ENV_REGION, "versioning": "Enabled", "noncurrent_expiration_days": 35,
                    "expiration_rules": [{"id": "expire-tagged", "prefix": "docs/", "filtered": True, "days": 30},
                                         {"id": "expire-all", "prefix": "", "filtered": False, "days": 3650}],
                    "encryption": {"algorithm": "aws:kms", "kms_key": world.keys["app"]},
                    "public_access_block": {"BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
                                            "RestrictPublicBuckets": True},
                    "logging": True, "policy": TLS_ONLY, "deletion_policy": None,
                    "origin": {"account_id": ENV, "region": ENV_REGION, "api": "s3:GetBucketVersioning"}}
    plain = buckets[names["cognito-export"]]
    assert plain["versioning"] == "Suspended" and plain["noncurrent_expiration_days"] is None
    assert plain["expiration_rules"] == []
    assert plain["public_access_block"] == dict.fromkeys(good["public_access_block"], False)
    assert plain["policy"] is None and plain["logging"] is False


def test_user_pools_by_id_and_by_name(aws, cfg):
    world = build_world(cfg)
    live = read(world)
    # the configured id of the second pool names no pool: it is absent, not guessed from its name
    assert [p["name"] for p in live["user_pools"]] == ["compact-connect-example-staff-users"]
    assert live["user_pools"][0]["origin"]["api"] == "cognito-idp:DescribeUserPool"
    assert live["user_pools"][0]["user_pool_id"] == cfg["inventory"]["cognito_user_pools"][0]["user_pool_id"]
    assert live["user_pools"][0]["estimated_users"] == 0
    from .fakes import session_for

    idp = session_for(ENV, ENV_REGION).client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="compact-connect-example-provider-users")["UserPool"]["Id"]
    cfg["inventory"]["cognito_user_pools"][1]["user_pool_id"] = pool_id
    again = read(world, cfg)
    assert [p["name"] for p in again["user_pools"]] == ["compact-connect-example-staff-users", "compact-connect-example-provider-users"]
    assert again["user_pools"][1]["origin"]["api"] == "cognito-idp:DescribeUserPool"
    # a pool without an id (an unvalidated configuration) is found in one listing by name
    del cfg["inventory"]["cognito_user_pools"][1]["user_pool_id"]
    by_name = read(world, cfg)
    assert by_name["user_pools"][1]["user_pool_id"] == pool_id
    assert by_name["user_pools"][1]["origin"]["api"] == "cognito-idp:ListUserPools"


def test_recovery_points_newest_completed_source_and_copy(live, cfg):
    protected = [*live["inventory"]["tables"], *[b for b in live["inventory"]["buckets"] if not b.get("excluded")]]
    points = {(p["resource_arn"], p["kind"]): p for p in live["recovery_points"]}
    assert len(live["recovery_points"]) == len(points) == 2 * len(protected)
    ssn_table = f"arn:aws:dynamodb:{ENV_REGION}:{ENV}:table/compact-connect-example-ssn"
    nine_hours_ago = (NOW - timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert points[(ssn_table, "source")] == {
        "resource_arn": ssn_table, "vault_arn": f"arn:aws:backup:{ENV_REGION}:{ENV}:backup-vault:{cfg['vault_names']['ssn']}",
        "account_id": ENV, "region": ENV_REGION, "creation_date": nine_hours_ago, "status": "COMPLETED",
        "lifecycle": {"delete_after_days": 2555, "cold_storage_after_days": None}, "kind": "source"}  # not the newer FAILED one
    copy = points[(ssn_table, "copy")]
    assert copy["vault_arn"] == cfg["backup_policies"]["ssn_data"]["cross_account_vault_arn"]
    assert (copy["account_id"], copy["region"], copy["creation_date"]) == (BKP, BKP_REGION, nine_hours_ago)
    # the provider table's newest point is 300 h old: older than the look-back window, still found
    provider = protected[0]["arn"]
    assert points[(provider, "source")]["creation_date"] == (NOW - timedelta(hours=300)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_settings(live):
    assert live["settings"] == {"cross_account_backup": True, "region_settings": {
        f"{ENV}:{ENV_REGION}": {"dynamodb_advanced": True}, f"{BKP}:{BKP_REGION}": {"dynamodb_advanced": False}}}


def test_progress_lines_are_short_and_hold_no_policy(live):
    lines = live["_progress"]
    assert any(line.startswith(f"environment {ENV} {ENV_REGION}: vaults 2, keys 3, roles 3, plans 2, tables 5") for line in lines)
    assert any(line.startswith(f"backup {BKP} {BKP_REGION}: vaults 2, keys 2") for line in lines)
    assert all(len(line) < 200 and "Statement" not in line and "{" not in line for line in lines)


def test_controls_run_on_the_live_snapshot(live, tmp_path):
    from audit.runner import run_audit

    snapshot = {k: v for k, v in live.items() if k != "_progress"}
    report = run_audit(snapshot, report_dir=tmp_path)
    assert report.controls and report.mode == "live"
    for control in report.controls:
        assert not any(name in control.message for name in ("KeyError", "TypeError", "AttributeError", "Traceback")), control
    statuses = {c.id: c.status for c in report.controls}
    assert statuses["ISO-06"] == "failed"  # DynamoDB advanced features off in the backup region
    assert statuses["COV-01"] == "failed"  # the transaction-history table is absent


def _point_in_time_control(snapshot, tmp_path):
    from audit.runner import run_audit

    (control,) = run_audit({k: v for k, v in snapshot.items() if k != "_progress"}, report_dir=tmp_path, tags="RES-01").controls
    return control


def test_point_in_time_recovery_fails_on_each_table_the_account_does_not_hold_as_configured(live, tmp_path):
    """RES-01 on what DescribeContinuousBackups answered: off, a shorter window and an absent table each fail
    by name; a table with the configured window (moto's default 35 days) passes."""
    control = _point_in_time_control(live, tmp_path)
    assert control.status == "failed"
    assert "compact-connect-example-compact-configuration: point-in-time recovery OFF" in control.message
    assert "compact-connect-example-data-event-history: point-in-time recovery on, window 7 days, configured 35 days (SHORTER" \
        in control.message
    assert "compact-connect-example-transaction-history: not found in the live posture" in control.message
    assert "compact-connect-example-provider" not in control.message


def test_point_in_time_recovery_that_cannot_be_read_fails_naming_the_table(aws, cfg, tmp_path):
    """A refused DescribeContinuousBackups is never a pass: every table fails as unreadable (and COV-05
    names the permission)."""
    fake = FakeAws()
    fake.refuse(ENV, "dynamodb:DescribeContinuousBackups", "AccessDeniedException")
    live = read(build_world(cfg, fake))
    assert {t["pitr"] for t in live["tables"]} == {None}
    assert {e["missing_permission"] for e in live["errors"]} == {"dynamodb:DescribeContinuousBackups"}
    control = _point_in_time_control(live, tmp_path)
    assert control.status == "failed"
    assert "compact-connect-example-provider: point-in-time recovery could not be read" in control.message


# errors ----------------------------------------------------------------------------------------------
def test_refused_reads_become_errors_with_the_missing_permission(aws, cfg):
    fake = FakeAws()
    for account, api in ((BKP, "kms:GetKeyPolicy"), (ENV, "s3:GetBucketPolicy"), (ENV, "s3:GetBucketLifecycleConfiguration"),
                         (BKP, "backup:GetBackupVaultAccessPolicy"),
                         (ENV, "iam:GetRolePolicy"), (BKP, "backup:ListRecoveryPointsByBackupVault")):
        fake.refuse(account, api, "AccessDenied" if api.startswith(("s3", "iam")) else "AccessDeniedException")
    fake.refuse(ENV, "dynamodb:DescribeTable", "AccessDeniedException")
    world = build_world(cfg, fake)
    live = read(world)
    errors = {(e["account_id"], e["api"]): e for e in live["errors"]}
    key = errors[(BKP, "kms:GetKeyPolicy")]
    assert key["region"] == BKP_REGION and key["resource"] in {world.keys["bkp-general"], world.keys["bkp-ssn"]}
    assert key["error"] in ACCESS_DENIED and key["missing_permission"] == "kms:GetKeyPolicy"
    assert errors[(ENV, "s3:GetBucketLifecycleConfiguration")]["missing_permission"] == "s3:GetLifecycleConfiguration"
    assert errors[(ENV, "s3:GetBucketPolicy")]["missing_permission"] == "s3:GetBucketPolicy"
    assert errors[(ENV, "dynamodb:DescribeTable")]["resource"].startswith("compact-connect-example-")
    assert errors[(BKP, "backup:ListRecoveryPointsByBackupVault")]["missing_permission"] == "backup:ListRecoveryPointsByBackupVault"
    assert set(errors) == {(BKP, "kms:GetKeyPolicy"), (ENV, "s3:GetBucketPolicy"), (ENV, "s3:GetBucketLifecycleConfiguration"),
                           (BKP, "backup:GetBackupVaultAccessPolicy"), (ENV, "iam:GetRolePolicy"),
                           (BKP, "backup:ListRecoveryPointsByBackupVault"), (ENV, "dynamodb:DescribeTable")}
    assert len([e for e in live["errors"] if e["api"] == "kms:GetKeyPolicy"]) == 2  # one per key, each named
    # the build went on: what could be read is there, what could not is None or absent
    assert all(k["policy"] is None for k in live["keys"] if k["account_id"] == BKP)
    assert all(k["policy"] is not None for k in live["keys"] if k["account_id"] == ENV)
    assert live["tables"] == [] and live["buckets"] and all(b["policy"] is None for b in live["buckets"])
    assert not [p for p in live["recovery_points"] if p["kind"] == "copy"]
    assert all(r["inline_policies"] == {} or set(r["inline_policies"].values()) == {None} for r in live["roles"])


def test_global_settings_outside_an_organization(aws, cfg):
    fake = FakeAws()
    world = build_world(cfg, fake)
    del fake.global_settings[ENV]  # DescribeGlobalSettings: InvalidRequestException, as outside an organization
    live = read(world)
    assert live["settings"]["cross_account_backup"] is None
    assert live["errors"] == [{"account_id": ENV, "region": ENV_REGION, "api": "backup:DescribeGlobalSettings", "resource": "*",
                               "error": "InvalidRequestException", "missing_permission": None}]


def test_a_side_that_cannot_be_reached_raises(aws, cfg):
    world = build_world(cfg)
    with pytest.raises(LiveSourceError, match="reach account 222222222222, the configuration says 111111111111"):
        build_live_snapshot(cfg, environment=Credentials(role_arn=role_arn(BKP)), backup=Credentials(role_arn=role_arn(BKP)),
                            session_factory=world.factory)


# pagination ------------------------------------------------------------------------------------------
def test_every_page_is_read(aws, cfg):
    fake = FakeAws(page_size=1)  # every fake List answers one item a page
    world = build_world(cfg, fake)
    live = read(world)
    assert [s["name"] for s in by(live["plans"])["critical"]["selections"]] == ["tables-a", "tables-b", "buckets"]
    calls = live["api_calls"]
    assert calls["backup:ListBackupSelections"] == 3 + 1  # three pages for the critical plan, one for the ssn plan
    pages = [p for (account, api, p) in fake.seen if api == "backup:ListRecoveryPointsByBackupVault"]
    assert any(p.get("NextToken") for p in pages)
    # the newest COMPLETED point sits on the second page (the FAILED one fills the first): found
    assert len(live["recovery_points"]) == 16
    assert calls["backup:ListRecoveryPointsByBackupVault"] == len(pages)


def test_default_session_assumes_the_role_with_the_audit_session_name(aws):
    session = default_session(Credentials(role_arn=role_arn(ENV)), region_name=ENV_REGION)
    identity = session.client("sts").get_caller_identity()
    assert identity["Account"] == ENV and identity["Arn"].endswith("/compact-retention-audit")


def test_a_refused_vault_listing_still_describes_the_configured_vaults(aws, cfg):
    fake = FakeAws()
    fake.refuse(BKP, "backup:ListBackupVaults")
    world = build_world(cfg, fake)
    live = read(world)
    assert {v["name"] for v in live["vaults"] if v["account_id"] == BKP} == set(cfg["vault_names"].values())
    assert [(e["account_id"], e["api"], e["missing_permission"]) for e in live["errors"]] == [
        (BKP, "backup:ListBackupVaults", "backup:ListBackupVaults")]


def test_drift_compares_the_live_snapshot_with_the_static_one(live, example_cfg):
    from audit.drift import compare

    differences = {(d.kind, d.resource, d.field): d for d in compare(build_snapshot(example_cfg), live)}
    history = f"arn:aws:dynamodb:{ENV_REGION}:{ENV}:table/compact-connect-example-transaction-history"
    assert differences[("table", history, "")].live is None  # missing in the account
    configuration = f"arn:aws:dynamodb:{ENV_REGION}:{ENV}:table/compact-connect-example-compact-configuration"
    assert differences[("table", configuration, "pitr")].live is False
    export = next(b["arn"] for b in live["buckets"] if "cognito-export" in b["name"])
    assert differences[("bucket", export, "versioning")].live == "Suspended"
    provider = f"arn:aws:dynamodb:{ENV_REGION}:{ENV}:table/compact-connect-example-provider"
    assert not [d for d in differences if d[1] == provider]  # read exactly as the templates say
