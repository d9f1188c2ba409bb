"""A table or a bucket read into the facts the comparison needs, streamed.

Why streamed: a drill of a 100k-item table or a bucket of large objects must not hold the data. A table is
read with a paginated, consistent Scan into ``compare.ItemDigest`` (two integers); a bucket object by
object, its bytes hashed in 1 MiB chunks, keeping only ``compare.ObjectFacts``. ``progress`` gets a line
now and then so a long read is visibly alive.
"""
from __future__ import annotations

import hashlib
from typing import Any, Callable, Iterable, Mapping

from audit.drill.compare import ItemDigest, ObjectFacts, TableFacts, index_facts, key_schema

CHUNK = 1 << 20
PROGRESS_EVERY = 10_000  # items
Progress = Callable[[str], None]


def table_shape(described: Mapping[str, Any]) -> tuple[list, list, str | None]:
    """Key schema, indexes and KMS key of a DescribeTable ``Table``."""
    sse = described.get("SSEDescription") or {}
    kms = sse.get("KMSMasterKeyArn") if sse.get("SSEType") == "KMS" or sse.get("KMSMasterKeyArn") else None
    return (key_schema(described.get("KeySchema")),
            index_facts(described.get("GlobalSecondaryIndexes"), "global")
            + index_facts(described.get("LocalSecondaryIndexes"), "local"), kms)


def digest_items(items: Iterable[Mapping[str, Any]], label: str, progress: Progress) -> ItemDigest:
    digest = ItemDigest()
    for item in items:
        digest.add(item)
        if digest.count % PROGRESS_EVERY == 0:
            progress(f"{label}: {digest.count:,} items read")
    return digest


def scan(client: Any, table: str) -> Iterable[Mapping[str, Any]]:
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        yield from page.get("Items") or []


def read_table(client: Any, table: str, label: str, progress: Progress) -> TableFacts:
    schema, indexes, kms = table_shape(client.describe_table(TableName=table)["Table"])
    digest = digest_items(scan(client, table), label, progress)
    return TableFacts(schema, indexes, kms, digest.count, digest.hexdigest())


def object_facts(client: Any, bucket: str, key: str) -> tuple[ObjectFacts, str | None]:
    """One object's facts and the KMS key it is encrypted under (None: not SSE-KMS)."""
    response = client.get_object(Bucket=bucket, Key=key)
    sha, size = hashlib.sha256(), 0
    body = response["Body"]
    for chunk in iter(lambda: body.read(CHUNK), b""):
        sha.update(chunk)
        size += len(chunk)
    tags = client.get_object_tagging(Bucket=bucket, Key=key).get("TagSet") or []
    kms = response.get("SSEKMSKeyId") if response.get("ServerSideEncryption") == "aws:kms" else None
    return ObjectFacts(key, size, sha.hexdigest(), response.get("ContentType"),
                       {k.lower(): v for k, v in (response.get("Metadata") or {}).items()},
                       {t["Key"]: t["Value"] for t in tags}), kms


def read_bucket(client: Any, bucket: str, label: str, progress: Progress) -> tuple[dict[str, ObjectFacts], dict[str, str | None]]:
    """Every current object: facts by key, and the KMS key of each."""
    facts: dict[str, ObjectFacts] = {}
    keys: dict[str, str | None] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents") or []:
            facts[entry["Key"]], keys[entry["Key"]] = object_facts(client, bucket, entry["Key"])
            if len(facts) % 500 == 0:
                progress(f"{label}: {len(facts):,} objects read")
    return facts, keys
