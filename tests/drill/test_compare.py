"""The drill's comparison on small inputs (audit/drill/compare.py, plan.py): a changed, a missing and an extra
item or object each fail it; order, number spelling and set order do not; no value reaches a detail."""
from __future__ import annotations

import hashlib

import pytest

from audit.drill import compare, plan
from audit.drill.compare import FAILED, PASSED, ItemDigest, ObjectFacts, TableFacts

SECRET = "123-45-6789"
ITEMS = [
    {"pk": {"S": "p1"}, "ssn": {"S": SECRET}, "n": {"N": "2.50"}, "tags": {"SS": ["b", "a"]}, "b": {"B": b"\x00\x01"}},
    {"pk": {"S": "p2"}, "m": {"M": {"x": {"L": [{"BOOL": True}, {"NULL": True}]}}}, "ns": {"NS": ["10", "9"]}},
    {"pk": {"S": "p3"}},
]


def facts(items, kms="arn:aws:kms:us-east-1:111111111111:key/k1") -> TableFacts:
    digest = ItemDigest()
    for item in items:
        digest.add(item)
    return TableFacts([("pk", "HASH")], [], kms, digest.count, digest.hexdigest())


def by_name(checks):
    return {c.name: c for c in checks}


def test_equal_tables_pass_in_any_order_and_spelling():
    wire = [dict(i) for i in reversed(ITEMS)]  # the sandbox's side: binary as base64, numbers as written elsewhere
    wire[-1] = {**ITEMS[0], "n": {"N": "2.5"}, "tags": {"SS": ["a", "b"]}, "b": {"B": "AAE="}}
    wire[1] = {**ITEMS[1], "ns": {"NS": ["9", "10.0"]}}
    checks = compare.table_checks(facts(ITEMS), facts(wire, kms="k1"))
    assert all(c.status == PASSED for c in checks), checks


@pytest.mark.parametrize("change", ["changed", "missing", "extra"])
def test_a_changed_missing_or_extra_item_fails(change):
    restored = [dict(i) for i in ITEMS]
    if change == "changed":
        restored[0] = {**restored[0], "ssn": {"S": "987-65-4321"}}
    elif change == "missing":
        restored.pop()
    else:
        restored.append({"pk": {"S": "p4"}})
    checks = by_name(compare.table_checks(facts(ITEMS), facts(restored)))
    assert checks["item digest"].status == FAILED
    assert checks["item count"].status == (PASSED if change == "changed" else FAILED)
    assert compare.failed(checks.values())
    assert not any(SECRET in c.detail or "987-65" in c.detail for c in checks.values())


def test_schema_index_and_key_differences_fail():
    ref = facts(ITEMS)
    ref.indexes = compare.index_facts([{"IndexName": "by-state", "KeySchema": [{"AttributeName": "s", "KeyType": "HASH"}],
                                        "Projection": {"ProjectionType": "ALL"}}], "global")
    restored = facts(ITEMS, kms=None)
    restored.key_schema = [("pk", "HASH"), ("sk", "RANGE")]
    checks = by_name(compare.table_checks(ref, restored))
    assert checks["key schema"].status == FAILED
    assert checks["indexes"].status == FAILED and "missing global:by-state" in checks["indexes"].detail
    assert checks["encryption"].status == FAILED and "AWS-owned" in checks["encryption"].detail


def obj(key: str, body: bytes = b"x", **extra) -> ObjectFacts:
    return ObjectFacts(key, len(body), hashlib.sha256(body).hexdigest(), extra.get("content_type", "text/plain"),
                       extra.get("metadata", {"owner": "a"}), extra.get("tags", {"t": "1"}))


OBJECTS = {o.key: o for o in (obj("empty", b""), obj("docs/jane-doe.pdf", b"pdf"), obj("big", b"y" * 10))}


def test_equal_buckets_pass():
    checks = compare.bucket_checks(OBJECTS, dict(OBJECTS), "k1", {k: "arn:aws:kms:r:a:key/k1" for k in OBJECTS})
    assert all(c.status == PASSED for c in checks), checks


@pytest.mark.parametrize("change,check", [
    ("bytes", "object content"), ("metadata", "object content"), ("tags", "object content"),
    ("content_type", "object content"), ("missing", "objects present"), ("extra", "no extra objects")])
def test_a_changed_missing_or_extra_object_fails(change, check):
    restored = dict(OBJECTS)
    key = "docs/jane-doe.pdf"
    if change == "bytes":
        restored[key] = obj(key, b"pdX")
    elif change == "metadata":
        restored[key] = obj(key, b"pdf", metadata={"owner": "b"})
    elif change == "tags":
        restored[key] = obj(key, b"pdf", tags={})
    elif change == "content_type":
        restored[key] = obj(key, b"pdf", content_type="application/pdf")
    elif change == "missing":
        del restored[key]
    else:
        restored["extra"] = obj("extra")
    checks = by_name(compare.bucket_checks(OBJECTS, restored))
    assert checks[check].status == FAILED
    assert all("jane-doe" not in c.detail for c in checks.values())  # keys only as hashes


def test_objects_not_under_the_key_fail_encryption():
    checks = by_name(compare.bucket_checks(OBJECTS, dict(OBJECTS), "k1", {k: None for k in OBJECTS}))
    assert checks["encryption"].status == FAILED


CFG = {
    "environment": "t", "primary_region": "us-east-1", "environment_account_id": "111111111111",
    "vault_names": {"general": "G", "ssn": "S"},
    "backup_policies": {"c": {"rto_hours": 4}, "s": {"rto_hours": 24, "dedicated_vault": True}},
    "inventory": {"dynamodb_tables": [{"id": "t1", "table_name": "tbl", "category": "c"},
                                      {"id": "ssn", "table_name": "ssn-tbl", "category": "s"}],
                  "s3_buckets": [{"id": "b1", "bucket_name": "a" * 60, "category": "c"},
                                 {"id": "x", "bucket_name": "x", "excluded": True}],
                  "cognito_user_pools": [{"id": "pool", "user_pool_name": "p"}]},
}


def test_all_leaves_out_ssn_data_and_excluded_buckets():
    assert [t.id for t in plan.choose(CFG, None, True)] == ["t1", "b1", "pool"]  # user pools too (tests/drill/test_pools.py)
    ssn = plan.choose(CFG, ["ssn"], False)[0]
    assert ssn.ssn and ssn.vault == "S" and ssn.rto_seconds == 24 * 3600


def test_unknown_ids_are_named_with_the_known_ones():
    with pytest.raises(plan.DrillInputError, match=r"unknown id\(s\) nope, x; .* are t1, ssn, b1"):
        plan.choose(CFG, ["t1", "nope", "x"], False)
    assert plan.choose(CFG, ["pool"], False)[0].kind == plan.POOL  # pools are drilled now (tests/drill/test_pools.py)


def test_scratch_names_carry_the_stamp_and_fit_s3():
    table, bucket = plan.choose(CFG, ["t1", "b1"], False)
    assert plan.scratch_name(table, "20261203t190000z") == "tbl-drill-20261203t190000z"
    name = plan.scratch_name(bucket, "20261203t190000z")
    assert len(name) <= 63 and name.endswith("-drill-20261203t190000z")
