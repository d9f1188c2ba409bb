"""The demo application holds every inventory resource, shaped as the controls expect of real ones."""
from __future__ import annotations

import pytest

STACK = "sample-application"


def by_name(env, type_name, name_key):
    return {r["Properties"][name_key]: r for r in env.resources(STACK, type_name).values()}


@pytest.mark.backs("RES-01")
def test_every_inventory_table_exists_with_pitr_cmk_and_deletion_protection(env):
    """Point-in-time recovery with the window of the table's category, resolved from the configuration."""
    tables = by_name(env, "AWS::DynamoDB::Table", "TableName")
    for entry in env.cfg["inventory"]["dynamodb_tables"]:
        props = tables[entry["table_name"]]["Properties"]
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        window = env.cfg["backup_policies"][entry["category"]]["point_in_time_recovery_days"]
        assert int(props["PointInTimeRecoverySpecification"]["RecoveryPeriodInDays"]) == window, entry["id"]
        assert props["SSESpecification"]["SSEType"] == "KMS" and props["SSESpecification"]["KMSMasterKeyId"]
        assert props["DeletionProtectionEnabled"] is True


@pytest.mark.backs("COV-04", "ENC-02")
def test_inventory_buckets_are_versioned_encrypted_private_and_tls_only(env):
    buckets = by_name(env, "AWS::S3::Bucket", "BucketName")
    policies = {p["Properties"]["Bucket"]: p["Properties"]["PolicyDocument"]
                for p in env.resources(STACK, "AWS::S3::BucketPolicy").values()}
    sample_buckets = [b for b in env.cfg["inventory"]["s3_buckets"] if b["bucket_name"] in buckets]
    assert {b["id"] for b in sample_buckets} >= {"provider-users", "bulk-uploads", "transaction-reports"}
    for entry in sample_buckets:
        props = buckets[entry["bucket_name"]]["Properties"]
        assert props["VersioningConfiguration"]["Status"] == "Enabled"
        rules = props["LifecycleConfiguration"]["Rules"]
        assert any(r.get("NoncurrentVersionExpiration") for r in rules if r["Status"] == "Enabled")
        (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        assert all(props["PublicAccessBlockConfiguration"].values())
        tls = [s for s in policies[entry["bucket_name"]]["Statement"]
               if s["Effect"] == "Deny" and s["Condition"].get("Bool", {}).get("aws:SecureTransport") == "false"]
        assert tls, entry["id"]


@pytest.mark.template_fact(
    "the demo application deploys the inventory's user pools, which the exporter and its controls "
    "read")
def test_both_user_pools_exist(env):
    pools = by_name(env, "AWS::Cognito::UserPool", "UserPoolName")
    assert {p["user_pool_name"] for p in env.cfg["inventory"]["cognito_user_pools"]} <= set(pools)
