"""The bucket comparison's decisions, pinned (audit/drill/compare.py; docs/restore.md, "Drills", step 3): object
by object, counts, missing and extra keys, which fields differ, the KMS key of each restored object; an object
key (which can hold a name) is shown only as the first 12 hex digits of its SHA-256, at most three of them.

S3 object facts compared (size, checksum, content type, user metadata, tags):
https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html
"""
from __future__ import annotations

import hashlib

import pytest

from audit.drill import compare
from audit.drill.compare import FAILED, PASSED, ObjectFacts

KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/k1"
NAMES = ["people/jane-doe.pdf", "people/john-roe.pdf", "people/ann-poe.pdf", "people/bob-moe.pdf", "people/eve-loe.pdf"]


def h(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def obj(key: str, body: bytes = b"x", content_type="text/plain", metadata=None, tags=None) -> ObjectFacts:
    return ObjectFacts(key, len(body), hashlib.sha256(body).hexdigest(), content_type,
                       {"owner": "a"} if metadata is None else metadata, {"t": "1"} if tags is None else tags)


def objects(*keys: str) -> dict[str, ObjectFacts]:
    return {k: obj(k) for k in keys}


def by_name(checks):
    return {c.name: c for c in checks}


def test_key_hash_is_the_first_12_hex_digits_of_the_keys_sha256():
    assert compare.key_hash("people/jane-doe.pdf") == hashlib.sha256(b"people/jane-doe.pdf").hexdigest()[:12]
    assert len(compare.key_hash("k")) == 12


def test_equal_buckets_pass_saying_what_was_compared():
    ref = objects(*NAMES[:2])
    checks = compare.bucket_checks(ref, dict(ref))
    assert [(c.name, c.status, c.detail) for c in checks] == [
        ("object count", PASSED, "restored 2, recovery point 2"),
        ("objects present", PASSED, "all 2"),
        ("no extra objects", PASSED, "none"),
        ("object content", PASSED, "size, SHA-256, content type, metadata and tags equal for every object present")]
    assert not compare.failed(checks)  # no encryption check unless the restored keys are given


def test_missing_objects_fail_named_by_key_hashes_at_most_three():
    ref = objects(*NAMES)
    c = by_name(compare.bucket_checks(ref, objects(NAMES[0])))
    shown = sorted(NAMES[1:])
    assert c["objects present"].status == FAILED
    assert c["objects present"].detail == f"4 missing (key SHA-256 {h(shown[0])}, {h(shown[1])}, {h(shown[2])}, +1 more)"
    assert c["object count"].status == FAILED and c["object count"].detail == "restored 1, recovery point 5"
    assert c["no extra objects"].status == PASSED
    one = by_name(compare.bucket_checks(objects(*NAMES[:2]), objects(NAMES[0])))["objects present"]
    assert one.detail == f"1 missing (key SHA-256 {h(NAMES[1])})"
    three = by_name(compare.bucket_checks(objects(*NAMES[:4]), objects(NAMES[0])))["objects present"]
    assert three.detail == f"3 missing (key SHA-256 {', '.join(h(k) for k in sorted(NAMES[1:4]))})"  # no "+0 more"


def test_extra_objects_fail_named_by_key_hashes():
    c = by_name(compare.bucket_checks(objects(NAMES[0]), objects(*NAMES[:3])))
    assert c["no extra objects"].status == FAILED
    assert c["no extra objects"].detail == f"2 extra (key SHA-256 {', '.join(h(k) for k in sorted(NAMES[1:3]))})"
    assert c["objects present"].status == PASSED and c["objects present"].detail == "all 1"


def test_a_same_count_with_one_missing_and_one_extra_still_fails():
    c = by_name(compare.bucket_checks(objects(NAMES[0]), objects(NAMES[1])))
    assert c["object count"].status == PASSED
    assert c["objects present"].status == FAILED and c["no extra objects"].status == FAILED


@pytest.mark.parametrize("changed, field", [
    (obj(NAMES[0], b"y"), "sha256"),
    (obj(NAMES[0], b"xx"), "sha256"),            # size and bytes
    (obj(NAMES[0], content_type="application/pdf"), "content_type"),
    (obj(NAMES[0], content_type=None), "content_type"),
    (obj(NAMES[0], metadata={}), "metadata"),
    (obj(NAMES[0], tags={"t": "2"}), "tags"),
])
def test_each_changed_field_fails_the_content_check_naming_the_field_not_the_value(changed, field):
    c = by_name(compare.bucket_checks(objects(NAMES[0]), {NAMES[0]: changed}))["object content"]
    assert c.status == FAILED and field in c.detail and c.detail.startswith("1 differ in ")
    assert c.detail.endswith(f"(key SHA-256 {h(NAMES[0])})")
    assert "jane" not in c.detail and "application/pdf" not in c.detail


def test_the_content_check_lists_every_differing_field_once_sorted():
    ref = objects(*NAMES[:2])
    restored = {NAMES[0]: obj(NAMES[0], b"yy", tags={}), NAMES[1]: obj(NAMES[1], metadata={"owner": "b"}, tags={})}
    c = by_name(compare.bucket_checks(ref, restored))["object content"]
    assert c.detail == (f"2 differ in metadata, sha256, size, tags "
                        f"(key SHA-256 {', '.join(h(k) for k in sorted(NAMES[:2]))})")
    assert obj("k").differences(obj("k", b"yy", "a/b", {}, {})) == ["size", "sha256", "content_type", "metadata", "tags"]
    assert obj("k").differences(obj("k")) == []


def test_encryption_of_restored_objects_when_their_keys_are_given():
    ref = objects(*NAMES[:2])
    ok = by_name(compare.bucket_checks(ref, dict(ref), KEY_ARN, {k: "k1" for k in ref}))["encryption"]
    assert (ok.status, ok.detail) == (PASSED, "every object under KMS key k1")
    bad = by_name(compare.bucket_checks(ref, dict(ref), "k1", {NAMES[0]: KEY_ARN, NAMES[1]: None}))["encryption"]
    assert (bad.status, bad.detail) == (FAILED, "1 object(s) not under KMS key k1")
    s3_managed = by_name(compare.bucket_checks(ref, dict(ref), None, {k: None for k in ref}))["encryption"]
    assert (s3_managed.status, s3_managed.detail) == (
        PASSED, "no customer-managed key at the source: objects under S3-managed keys")
    stray = by_name(compare.bucket_checks(ref, dict(ref), None, {NAMES[0]: "k9", NAMES[1]: None}))["encryption"]
    assert (stray.status, stray.detail) == (FAILED, "1 object(s) not under S3-managed keys, as the source")  # not "KMS key None"
    assert "encryption" not in by_name(compare.bucket_checks(ref, dict(ref), "k1"))
    empty = by_name(compare.bucket_checks({}, {}, "k1", {}))["encryption"]
    assert empty.status == PASSED  # an empty bucket has no object under a wrong key
