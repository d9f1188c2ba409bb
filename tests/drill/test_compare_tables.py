"""The table comparison's decisions, pinned (audit/drill/compare.py; docs/restore.md, "Drills", step 3): which
items are one item (numbers by value, sets sorted, maps by key, binary as base64; a list's order counts), the
order-independent multiset digest as documented (the sum modulo 2^256 of each canonical item's SHA-256), and
what each table check says: counts, digest prefixes, attribute and index names, KMS key ids, never a value.

DynamoDB's attribute value types (S, N, B, SS, NS, BS, M, L, BOOL, NULL):
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html
"""
from __future__ import annotations

import hashlib
import json

import pytest

from audit.drill import compare
from audit.drill.compare import FAILED, INFO, PASSED, Check, ItemDigest, TableFacts

SSN = "123-45-6789"


def digest_of(items) -> ItemDigest:
    d = ItemDigest()
    for item in items:
        d.add(item)
    return d


# ------------------------------------------------------------------------------------ canonical values

@pytest.mark.parametrize("a, b", [
    ({"N": "2.50"}, {"N": "2.5"}),
    ({"N": "100"}, {"N": "1E+2"}),          # the exponent form is the same number
    ({"N": "-0.0"}, {"N": "-0"}),
    ({"NS": ["10", "9", "1.0"]}, {"NS": ["1", "9.00", "10"]}),
    ({"SS": ["b", "a"]}, {"SS": ["a", "b"]}),
    ({"B": b"\x00\x01"}, {"B": "AAE="}),    # botocore's bytes against the wire's base64
    ({"B": bytearray(b"\xff")}, {"B": "/w=="}),
    ({"BS": [b"\x02", b"\x01"]}, {"BS": ["AQ==", "Ag=="]}),
    ({"M": {"x": {"N": "1.0"}, "y": {"S": "s"}}}, {"M": {"y": {"S": "s"}, "x": {"N": "1"}}}),
    ({"L": [{"N": "3.0"}, {"SS": ["z", "y"]}]}, {"L": [{"N": "3"}, {"SS": ["y", "z"]}]}),
])
def test_one_value_written_two_ways_is_one_value(a, b):
    assert compare.canonical_value(a) == compare.canonical_value(b)
    assert compare.item_digest({"v": a}) == compare.item_digest({"v": b})


@pytest.mark.parametrize("a, b", [
    ({"N": "2.5"}, {"N": "2.6"}),
    ({"N": "10"}, {"S": "10"}),
    ({"S": "a"}, {"S": "A"}),
    ({"L": [{"N": "1"}, {"N": "2"}]}, {"L": [{"N": "2"}, {"N": "1"}]}),   # a list keeps its order
    ({"SS": ["a", "b"]}, {"SS": ["a"]}),
    ({"NS": ["1", "2"]}, {"NS": ["1", "3"]}),
    ({"BS": [b"\x01"]}, {"BS": [b"\x02"]}),
    ({"B": b"\x01"}, {"B": b"\x02"}),
    ({"M": {"x": {"N": "1"}}}, {"M": {"x": {"N": "2"}}}),
    ({"BOOL": True}, {"BOOL": False}),
    ({"NULL": True}, {"S": ""}),
])
def test_different_values_differ(a, b):
    assert compare.canonical_value(a) != compare.canonical_value(b)
    assert compare.item_digest({"v": a}) != compare.item_digest({"v": b})


def test_canonical_forms_are_exact():
    assert compare.canonical_value({"N": "2.50"}) == {"N": "2.5"}
    assert compare.canonical_value({"N": "1E+2"}) == {"N": "100"}      # plain notation, not 1E+2
    assert compare.canonical_value({"N": "007"}) == {"N": "7"}
    assert compare.canonical_value({"NS": ["10", "9", "-1"]}) == {"NS": ["-1", "9", "10"]}   # by value, not as text
    assert compare.canonical_value({"SS": ["b", "a", "c"]}) == {"SS": ["a", "b", "c"]}
    assert compare.canonical_value({"B": b"\x00\x01"}) == {"B": "AAE="}
    assert compare.canonical_value({"BS": [b"\x02", b"\x01"]}) == {"BS": ["AQ==", "Ag=="]}
    assert compare.canonical_value({"M": {"k": {"N": "1.50"}}}) == {"M": {"k": {"N": "1.5"}}}
    assert compare.canonical_value({"L": [{"N": "1.0"}, {"B": b"\x01"}]}) == {"L": [{"N": "1"}, {"B": "AQ=="}]}
    assert compare.canonical_value({"S": SSN}) == {"S": SSN}
    assert compare.canonical_value({"BOOL": False}) == {"BOOL": False}


def test_a_number_that_is_not_a_number_is_kept_as_written_not_refused():
    """A malformed N (which DynamoDB would not store) must not crash the drill's Scan: compared as text."""
    assert compare.canonical_value({"N": "abc"}) == {"N": "abc"}
    assert compare.item_digest({"v": {"N": "abc"}}) != compare.item_digest({"v": {"N": "abd"}})


# ------------------------------------------------------------------------------------ the digest

def _reference_item_digest(canonical: dict) -> bytes:
    """The documented canonical JSON (sorted keys, no spaces, UTF-8) hashed with SHA-256."""
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode("utf-8")).digest()


def test_the_item_digest_is_the_sha256_of_the_canonical_json():
    item = {"pk": {"S": "Zoë"}, "n": {"N": "2.50"}}
    assert compare.item_digest(item) == _reference_item_digest({"n": {"N": "2.5"}, "pk": {"S": "Zoë"}})
    assert compare.item_digest(item).hex() == hashlib.sha256('{"n":{"N":"2.5"},"pk":{"S":"Zoë"}}'.encode()).hexdigest()


def test_the_table_digest_is_the_count_and_the_sum_modulo_2_256_of_the_item_digests():
    assert ItemDigest().count == 0
    assert ItemDigest().hexdigest() == hashlib.sha256(("0:" + "0" * 64).encode()).hexdigest()
    # two items whose digests add up past 2^256 (found by trying pk values), so the modulo shows
    items, n = [], 0
    while len(items) < 2:
        item = {"pk": {"S": f"k{n}"}}
        if int.from_bytes(compare.item_digest(item), "big") >= 1 << 255:
            items.append(item)
        n += 1
    total = sum(int.from_bytes(compare.item_digest(i), "big") for i in items)
    assert total >= 1 << 256
    d = digest_of(items)
    assert d.count == 2
    assert d.hexdigest() == hashlib.sha256(f"2:{total % (1 << 256):064x}".encode()).hexdigest()


def test_the_digest_ignores_order_but_counts_duplicates():
    a, b, c = ({"pk": {"S": x}} for x in "abc")
    assert digest_of([a, b, c]).hexdigest() == digest_of([c, a, b]).hexdigest()
    assert digest_of([a, a]).hexdigest() != digest_of([a]).hexdigest()
    assert digest_of([a, a, b]).hexdigest() != digest_of([a, b, b]).hexdigest()
    assert digest_of([a, a]).count == 2


# ------------------------------------------------------------------------------------ table checks

KEY = "arn:aws:kms:us-east-1:111111111111:key/1234abcd"


def facts(items=({"pk": {"S": "p1"}, "ssn": {"S": SSN}},), *, schema=(("pk", "HASH"),), indexes=(), kms=KEY) -> TableFacts:
    d = digest_of(items)
    return TableFacts(list(schema), list(indexes), kms, d.count, d.hexdigest())


def by_name(checks):
    return {c.name: c for c in checks}


def test_an_equal_table_passes_every_check_and_says_what_was_compared():
    ref = facts()
    checks = compare.table_checks(ref, facts(kms="1234abcd"))
    assert [(c.name, c.status) for c in checks] == [("key schema", PASSED), ("indexes", PASSED), ("encryption", PASSED),
                                                    ("item count", PASSED), ("item digest", PASSED)]
    got = by_name(checks)
    assert got["key schema"].detail == "pk HASH"
    assert got["indexes"].detail == "none"
    assert got["encryption"].detail == "KMS key 1234abcd"
    assert got["item count"].detail == "restored 1, recovery point 1"
    assert got["item digest"].detail == (f"SHA-256 over canonical items: restored {ref.digest[:16]}, "
                                         f"recovery point {ref.digest[:16]}")
    assert not compare.failed(checks)


def test_a_different_key_schema_fails_naming_both():
    checks = by_name(compare.table_checks(facts(), facts(schema=(("pk", "HASH"), ("sk", "RANGE")))))
    assert checks["key schema"].status == FAILED
    assert checks["key schema"].detail == "restored pk HASH, sk RANGE, recovery point pk HASH"
    assert by_name(compare.table_checks(facts(schema=()), facts()))["key schema"].detail == \
        "restored pk HASH, recovery point (none)"


def test_count_and_digest_fail_on_their_own_and_never_show_a_value():
    ref = facts([{"pk": {"S": "p1"}, "ssn": {"S": SSN}}, {"pk": {"S": "p2"}}])
    changed = facts([{"pk": {"S": "p1"}, "ssn": {"S": "987-65-4321"}}, {"pk": {"S": "p2"}}])
    fewer = facts([{"pk": {"S": "p1"}, "ssn": {"S": SSN}}])
    c = by_name(compare.table_checks(ref, changed))
    assert (c["item count"].status, c["item digest"].status) == (PASSED, FAILED)
    assert c["item digest"].detail == (f"SHA-256 over canonical items: restored {changed.digest[:16]}, "
                                       f"recovery point {ref.digest[:16]}")
    c = by_name(compare.table_checks(ref, fewer))
    assert (c["item count"].status, c["item digest"].status) == (FAILED, FAILED)
    assert c["item count"].detail == "restored 1, recovery point 2"
    details = " ".join(x.detail for x in compare.table_checks(ref, changed) + compare.table_checks(ref, fewer))
    assert SSN not in details and "987-65" not in details and "p1" not in details


INDEX = {"IndexName": "by-state", "KeySchema": [{"AttributeName": "state", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["z", "a"]}, "ProvisionedThroughput": {"R": 5}}


def test_index_facts_are_name_keys_and_projection_sorted_by_kind_and_name():
    got = compare.index_facts([INDEX, {"IndexName": "a-first", "KeySchema": []}], "global")
    assert got == [
        {"kind": "global", "name": "a-first", "key_schema": [], "projection": None, "non_key_attributes": []},
        {"kind": "global", "name": "by-state", "key_schema": [("state", "HASH")], "projection": "INCLUDE",
         "non_key_attributes": ["a", "z"]}]
    assert compare.index_facts(None, "local") == []
    assert compare.key_schema(None) == []
    assert compare.key_schema([{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]) == \
        [("pk", "HASH"), ("sk", "RANGE")]


def test_indexes_pass_listing_them_and_fail_naming_missing_extra_and_different_ones():
    g = compare.index_facts([INDEX], "global")
    other = compare.index_facts([{**INDEX, "IndexName": "other"}], "local")
    changed = compare.index_facts([{**INDEX, "Projection": {"ProjectionType": "ALL"}}], "global")
    ok = by_name(compare.table_checks(facts(indexes=g + other), facts(indexes=other + g)))["indexes"]
    assert (ok.status, ok.detail) == (PASSED, "global:by-state, local:other")
    c = by_name(compare.table_checks(facts(indexes=g), facts(indexes=other)))["indexes"]
    assert (c.status, c.detail) == (FAILED, "missing global:by-state; extra local:other")
    c = by_name(compare.table_checks(facts(indexes=g), facts(indexes=changed)))["indexes"]
    assert (c.status, c.detail) == (FAILED, "different global:by-state")
    c = by_name(compare.table_checks(facts(indexes=g + other), facts(indexes=changed)))["indexes"]
    assert c.detail == "missing local:other; different global:by-state"


def test_encryption_compares_key_ids_whatever_form_each_side_gives():
    assert compare.key_id(KEY) == "1234abcd"
    assert compare.key_id("1234abcd") == "1234abcd"
    assert compare.key_id(None) is None and compare.key_id("") is None
    aws_owned = by_name(compare.table_checks(facts(kms=None), facts(kms=None)))["encryption"]
    assert (aws_owned.status, aws_owned.detail) == (PASSED, "AWS-owned key, as the source (not a customer-managed key)")
    c = by_name(compare.table_checks(facts(), facts(kms=None)))["encryption"]
    assert (c.status, c.detail) == (FAILED, "restored under the AWS-owned key, the source under 1234abcd")
    c = by_name(compare.table_checks(facts(kms=None), facts(kms="arn:aws:kms:r:a:key/other")))["encryption"]
    assert (c.status, c.detail) == (FAILED, "restored under other, the source under the AWS-owned key")


def test_only_a_failed_check_fails_the_drill():
    assert not compare.failed([Check("a", PASSED, ""), Check("b", INFO, "differs from the source now")])
    assert compare.failed([Check("a", PASSED, ""), Check("b", FAILED, "")])
    assert not compare.failed([])
    assert Check("n", FAILED, "d").to_json() == {"name": "n", "status": "failed", "detail": "d"}
    assert (PASSED, FAILED, INFO) == ("passed", "failed", "info")  # the values drill.json carries
