"""The drill's choice of targets, pinned (audit/drill/plan.py; docs/restore.md, "Drills", "Choosing resources"):
which resources an inventory offers (excluded buckets never), their ARNs, vaults, RTOs and SSN flag; user pools
timed against the export bucket's category; ``--all`` without SSN data; ids, ``kind:ID`` and collisions; and
the scratch names, which carry the drill's stamp and fit AWS's name limits.

Bucket names: 3-63 characters, lowercase, not ending in a hyphen or dot
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html); a user pool name: 1-128
characters (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html).
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from audit.drill import plan
from audit.drill.plan import BUCKET, POOL, TABLE, Target

CFG = {
    "environment": "t", "primary_region": "eu-west-1", "environment_account_id": "111111111111",
    "vault_names": {"general": "G", "ssn": "S"},
    "backup_policies": {"c": {"rto_hours": 4}, "s": {"rto_hours": 24, "dedicated_vault": True},
                        "exp": {"rto_hours": 8}, "export_data": {"rto_hours": 2}, "norto": {}},
    "inventory": {
        "dynamodb_tables": [{"id": "t1", "table_name": "tbl", "category": "c"},
                            {"id": "ssn", "table_name": "ssn-tbl", "category": "s"},
                            {"id": "loose", "table_name": "loose-tbl"},
                            {"id": "shared", "table_name": "shared-tbl", "category": "c"}],
        "s3_buckets": [{"id": "b1", "bucket_name": "bkt", "category": "norto"},
                       {"id": "x", "bucket_name": "x", "category": "c", "excluded": True},
                       {"id": "also", "bucket_name": "also-b", "category": "c", "excluded": False},
                       {"id": "cognito-export", "bucket_name": "exports", "category": "exp"}],
        "cognito_user_pools": [{"id": "shared", "user_pool_name": "shared-pool", "user_pool_id": "eu-west-1_A"},
                               {"id": "also", "user_pool_name": "also-pool", "user_pool_id": "eu-west-1_B"},
                               {"id": "solo", "user_pool_name": "solo-pool"}]},
}


def by_id(targets):
    return {(t.id, t.kind): t for t in targets}


def test_the_inventory_offers_tables_buckets_and_pools_but_no_excluded_bucket():
    found = plan.inventory(CFG)
    assert [(t.id, t.kind) for t in found] == [
        ("t1", TABLE), ("ssn", TABLE), ("loose", TABLE), ("shared", TABLE),
        ("b1", BUCKET), ("also", BUCKET), ("cognito-export", BUCKET),
        ("shared", POOL), ("also", POOL), ("solo", POOL)]


def test_each_target_carries_its_arn_vault_category_rto_and_ssn_flag():
    t = by_id(plan.inventory(CFG))
    assert t["t1", TABLE] == Target("t1", TABLE, "tbl", "arn:aws:dynamodb:eu-west-1:111111111111:table/tbl", "c", "G",
                                    4 * 3600, False)
    assert t["ssn", TABLE] == Target("ssn", TABLE, "ssn-tbl", "arn:aws:dynamodb:eu-west-1:111111111111:table/ssn-tbl",
                                     "s", "S", 24 * 3600, True)
    assert t["loose", TABLE].category == "" and t["loose", TABLE].rto_seconds == 0 and not t["loose", TABLE].ssn
    assert t["b1", BUCKET] == Target("b1", BUCKET, "bkt", "arn:aws:s3:::bkt", "norto", "G", 0, False)
    assert (t["t1", TABLE].resource_type, t["b1", BUCKET].resource_type) == ("DynamoDB", "S3")
    assert t["t1", TABLE].pool_id == "" and t["b1", BUCKET].pool_id == ""


def test_a_pool_is_timed_against_the_export_buckets_category_and_reads_its_exports_there():
    pool = by_id(plan.inventory(CFG))["shared", POOL]
    assert pool == Target("shared", POOL, "shared-pool", "arn:aws:cognito-idp:eu-west-1:111111111111:userpool/eu-west-1_A",
                          "exp", "", 8 * 3600, False, "exports")
    assert pool.pool_id == "eu-west-1_A" and pool.resource_type == "CognitoUserPool"
    assert by_id(plan.inventory(CFG))["solo", POOL].arn.endswith(":userpool/")  # no id configured: none invented


def test_without_an_export_bucket_a_pool_takes_the_export_category_and_has_no_bucket():
    cfg = {**CFG, "inventory": {**CFG["inventory"], "s3_buckets": [{"id": "b1", "bucket_name": "bkt", "category": "c"}]}}
    pool = by_id(plan.pools(cfg))["solo", POOL]
    assert (pool.category, pool.rto_seconds, pool.export_bucket) == ("export_data", 2 * 3600, "")
    uncategorised = {**CFG, "inventory": {**CFG["inventory"], "s3_buckets": [{"id": "cognito-export", "bucket_name": "e"}]}}
    pool = by_id(plan.pools(uncategorised))["solo", POOL]
    assert (pool.category, pool.rto_seconds, pool.export_bucket) == ("export_data", 2 * 3600, "e")
    no_pools = {**CFG, "inventory": {k: v for k, v in CFG["inventory"].items() if k != "cognito_user_pools"}}
    assert plan.pools(no_pools) == []
    no_rto = {**CFG, "backup_policies": {}}
    assert {t.rto_seconds for t in plan.pools(no_rto)} == {0}


def test_all_is_every_target_but_ssn_data():
    everything = plan.choose(CFG, None, True)
    assert [(t.id, t.kind) for t in everything] == [(t.id, t.kind) for t in plan.inventory(CFG) if t.id != "ssn"]
    assert plan.choose(CFG, ["t1"], True) == everything  # --all wins over ids


def test_ids_choose_in_order_once_each_and_a_shared_id_means_the_table_or_bucket():
    got = plan.choose(CFG, ["b1", "t1", "b1", "shared", "also", "solo"], False)
    assert [(t.id, t.kind) for t in got] == [("b1", BUCKET), ("t1", TABLE), ("shared", TABLE), ("also", BUCKET),
                                             ("solo", POOL)]
    got = plan.choose(CFG, ["pool:shared", "pool:also", "table:shared", "bucket:also", "table:t1", "t1"], False)
    assert [(t.id, t.kind) for t in got] == [("shared", POOL), ("also", POOL), ("shared", TABLE), ("also", BUCKET),
                                             ("t1", TABLE)]
    assert plan.choose(CFG, [], False) == [] and plan.choose(CFG, None, False) == []
    assert plan.choose(CFG, ["ssn"], False)[0].ssn  # named explicitly, SSN data can be chosen (break-glass)


def test_an_unknown_or_wrong_kind_id_is_refused_naming_every_known_id():
    with pytest.raises(plan.DrillInputError) as refused:
        plan.choose(CFG, ["nope", "t1", "bucket:t1", "nope"], False)
    assert str(refused.value) == (
        "--resource: unknown id(s) nope, bucket:t1; the protected tables, buckets and user pools of t are "
        "t1, ssn, loose, shared, b1, also, cognito-export, pool:shared, pool:also, solo")


def test_collisions_name_the_kind_the_bare_id_drills():
    assert plan.collisions(CFG) == [
        "shared names a dynamodb table and a user pool: --resource shared drills the former, --resource pool:shared the pool",
        "also names a s3 bucket and a user pool: --resource also drills the former, --resource pool:also the pool"]
    no_pools = {**CFG, "inventory": {**CFG["inventory"], "cognito_user_pools": []}}
    assert plan.collisions(no_pools) == []


def test_the_stamp_is_lowercase_utc_to_the_second():
    assert plan.stamp(datetime(2026, 12, 3, 19, 4, 5, tzinfo=timezone.utc)) == "20261203t190405z"


def _target(kind: str, name: str) -> Target:
    return Target("i", kind, name, "arn", "c", "G", 1, False)


STAMP = "20261203t190405z"


def test_a_table_keeps_its_whole_name():
    name = "t" * 200
    assert plan.scratch_name(_target(TABLE, name), STAMP) == f"{name}-drill-{STAMP}"


def test_a_bucket_name_is_cut_to_63_characters_without_a_trailing_hyphen_or_dot():
    short = plan.scratch_name(_target(BUCKET, "bkt"), STAMP)
    assert short == f"bkt-drill-{STAMP}"
    suffix = f"-drill-{STAMP}"
    room = 63 - len(suffix)
    exact = "a" * room
    assert plan.scratch_name(_target(BUCKET, exact), STAMP) == exact + suffix
    assert len(exact + suffix) == 63
    long = "b" * (room - 2) + "-.cdef"
    assert plan.scratch_name(_target(BUCKET, long), STAMP) == "b" * (room - 2) + suffix  # "-." cut off, not kept
    assert plan.scratch_name(_target(BUCKET, "c" * (room - 1) + ".x"), STAMP) == "c" * (room - 1) + suffix


def test_a_pool_name_is_cut_to_128_characters():
    suffix = f"-drill-{STAMP}"
    name = "p" * 200
    got = plan.scratch_name(_target(POOL, name), STAMP)
    assert got == "p" * (128 - len(suffix)) + suffix and len(got) == 128
    assert plan.scratch_name(_target(POOL, "pool-"), STAMP) == f"pool--drill-{STAMP}"  # a pool name may end in "-"
