"""What a sandbox recovery point holds: the data of its resource as of the backup job, and how it is put
back into a new resource.

Without this a recovery point is metadata only and no restore can be shown to bring anything back. A
backup job captures (``capture``):

* DynamoDB: the key schema, attribute definitions, secondary indexes, billing mode, SSE settings, and every
  item, serialized once (DynamoDB JSON, one line per item) and zlib-compressed into one immutable
  ``bytes``: a 100k-item table costs one compressed blob per recovery point, not 100k Python dicts, and a
  copy job shares the same blob (the snapshot is never mutated).
* S3: the latest version of every object that is not a delete marker (AWS Backup restores only latest
  versions by default): bytes, user metadata, content type and the other system headers moto keeps, tags,
  the stored checksum (algorithm, value, type), storage class.

``restore_table`` and ``restore_objects`` write a snapshot into a NEW table or into an existing bucket,
never over existing data (AWS's rule: a restore creates, it does not overwrite). Sizes (``size``) are the
sandbox's measure (item JSON bytes, object bytes), not DynamoDB's or S3's billing size.
"""
from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterator

from moto.utilities.utils import get_partition

# index fields CreateTable accepts (describe() adds status, sizes and ARNs)
_INDEX_FIELDS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")

_CHUNK = 1 << 16

_BYTES = "$b"


def _bytes_as_json(value: Any) -> dict[str, str]:
    if isinstance(value, bytes):
        return {_BYTES: base64.b64encode(value).decode()}
    raise TypeError(f"{type(value).__name__} is not a DynamoDB value")


def _bytes_from_json(obj: dict[str, Any]) -> Any:
    # a DynamoDB JSON map holds type descriptors (dicts), never a bare string: {"$b": str} is only ours
    if len(obj) == 1 and isinstance(obj.get(_BYTES), str):
        return base64.b64decode(obj[_BYTES])
    return obj


def _dumps(attributes: dict[str, Any]) -> bytes:
    """One item as one line of DynamoDB JSON; binary values (bytes in moto's model) tagged as {"$b": base64}."""
    return json.dumps(attributes, separators=(",", ":"), sort_keys=True, default=_bytes_as_json).encode() + b"\n"


def _loads(line: bytes) -> dict[str, Any]:
    return json.loads(line, object_hook=_bytes_from_json)


class RestoreError(Exception):
    """Why the data cannot be restored there; the restore job fails with this message."""


@dataclass(frozen=True)
class TableData:
    table_name: str
    key_schema: list[dict[str, str]]
    attribute_definitions: list[dict[str, str]]
    global_indexes: list[dict[str, Any]]
    local_indexes: list[dict[str, Any]]
    billing_mode: str | None
    throughput: dict[str, int] | None
    sse: dict[str, Any] | None  # {"SSEType": "KMS", "KMSMasterKeyArn": ...} or None (AWS-owned key)
    item_count: int
    size: int
    blob: bytes = field(repr=False)

    def items(self) -> Iterator[dict[str, Any]]:
        """The items, in DynamoDB JSON, decompressed as they are read (never the whole table at once)."""
        inflate = zlib.decompressobj()
        pending = b""
        for start in range(0, len(self.blob), _CHUNK):
            pending += inflate.decompress(self.blob[start:start + _CHUNK])
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield _loads(line)
        pending += inflate.flush()
        for line in pending.split(b"\n"):
            if line:
                yield _loads(line)


@dataclass(frozen=True)
class ObjectData:
    key: str
    body: bytes = field(repr=False)
    metadata: dict[str, str]  # moto's object headers: Content-Type and x-amz-meta-* among them
    tags: dict[str, str]
    checksum_algorithm: str | None
    checksum_value: str | None
    checksum_type: str | None
    checksum_parts: int | None
    storage_class: str | None
    encryption: str | None
    kms_key_id: str | None


@dataclass(frozen=True)
class BucketData:
    bucket_name: str
    encryption: str | None  # the bucket's default SSEAlgorithm at backup time
    kms_key_id: str | None
    objects: tuple[ObjectData, ...]

    @property
    def size(self) -> int:
        return sum(len(o.body) for o in self.objects)


def _dynamodb(account_id: str, region: str):
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[account_id][region]


def _s3(account_id: str, region: str):
    from moto.s3.models import s3_backends

    return s3_backends[account_id][get_partition(region)]


def _index_spec(described: dict[str, Any]) -> dict[str, Any]:
    spec = {k: described[k] for k in _INDEX_FIELDS if k in described}
    throughput = spec.get("ProvisionedThroughput")
    if throughput:
        spec["ProvisionedThroughput"] = {k: throughput[k] for k in ("ReadCapacityUnits", "WriteCapacityUnits")
                                         if k in throughput}
    return spec


def capture_table(account_id: str, region: str, name: str) -> TableData:
    table = _dynamodb(account_id, region).get_table(name)
    deflate = zlib.compressobj(1)
    chunks: list[bytes] = []
    count = size = 0
    for item in table.all_items():
        line = _dumps({name: value.to_regular_json() for name, value in item.attrs.items()})
        chunks.append(deflate.compress(line))
        count += 1
        size += len(line) - 1
    chunks.append(deflate.flush())
    described = table.describe()["TableDescription"]
    sse = described.get("SSEDescription")
    throughput = None
    if table.billing_mode != "PAY_PER_REQUEST":
        throughput = {k: table.throughput[k] for k in ("ReadCapacityUnits", "WriteCapacityUnits")}
    return TableData(
        table_name=name, key_schema=[dict(k) for k in table.schema],
        attribute_definitions=[dict(a) for a in table.attr],
        global_indexes=[_index_spec(i.describe()) for i in table.global_indexes],
        local_indexes=[_index_spec(i.describe()) for i in table.indexes],
        billing_mode=table.billing_mode, throughput=throughput,
        sse={"SSEType": sse.get("SSEType", "KMS"), "KMSMasterKeyArn": sse.get("KMSMasterKeyArn")} if sse else None,
        item_count=count, size=size, blob=b"".join(chunks))


def _latest_objects(bucket) -> Iterator[Any]:
    from moto.s3.models import FakeDeleteMarker

    for name in list(bucket.keys.keys()):
        versions = bucket.keys.getlist(name, [])
        if versions and not isinstance(versions[-1], FakeDeleteMarker):
            yield versions[-1]


def capture_bucket(account_id: str, region: str, name: str) -> BucketData:
    backend = _s3(account_id, region)
    bucket = backend.get_bucket(name)
    objects = []
    for key in _latest_objects(bucket):
        tags = {t["Key"]: t["Value"] for t in backend.get_object_tagging(key).get("Tags", [])}
        objects.append(ObjectData(
            key=key.name, body=key.value, metadata=dict(key.metadata), tags=tags,
            checksum_algorithm=key.checksum_algorithm, checksum_value=key.checksum_value,
            checksum_type=getattr(key, "checksum_type", None), checksum_parts=getattr(key, "checksum_parts", None),
            storage_class=key.storage_class, encryption=key.encryption, kms_key_id=key.kms_key_id))
    default = ((bucket.encryption or {}).get("Rule") or {}).get("ApplyServerSideEncryptionByDefault") or {}
    return BucketData(bucket_name=name, encryption=default.get("SSEAlgorithm"),
                      kms_key_id=default.get("KMSMasterKeyID"), objects=tuple(objects))


def capture(account_id: str, region: str, resource_type: str, name: str) -> TableData | BucketData | None:
    """The resource's data now (the backup job's moment); None for types the sandbox keeps no data of."""
    if resource_type == "DynamoDB":
        return capture_table(account_id, region, name)
    if resource_type == "S3":
        return capture_bucket(account_id, region, name)
    return None


def size_of(data: TableData | BucketData | None) -> int:
    return 0 if data is None else data.size


def restore_table(data: TableData, account_id: str, region: str, target: str,
                  sse_specification: dict[str, Any] | None) -> str:
    """A new table ``target`` with the snapshot's schema, indexes and items; its ARN. Refused (RestoreError)
    when a table of that name exists: a restore never overwrites."""
    backend = _dynamodb(account_id, region)
    if target in backend.tables:
        raise RestoreError(f"Table already exists: {target}. A restore creates a new table; choose another "
                           "targetTableName")
    table = backend.create_table(
        target, schema=data.key_schema, throughput=data.throughput, attr=data.attribute_definitions,
        global_indexes=data.global_indexes or None, indexes=data.local_indexes or None, streams=None,
        billing_mode=data.billing_mode or "PAY_PER_REQUEST", sse_specification=sse_specification, tags=[],
        deletion_protection_enabled=False, warm_throughput=None)
    for item in data.items():
        table.put_item(item)
    return table.table_arn


def restore_objects(data: BucketData, account_id: str, region: str, bucket_name: str, *,
                    encryption: str | None, kms_key_id: str | None,
                    prefixes: list[str] | None = None) -> tuple[int, int]:
    """Put the snapshot's objects into ``bucket_name`` (which must exist in this account and Region, with
    versioning on); an object whose key exists there (not deleted) is skipped, never overwritten.
    ``encryption`` None keeps each object's own. Returns (restored, skipped)."""
    backend = _s3(account_id, region)
    bucket = backend.buckets.get(bucket_name)
    if bucket is None or bucket.account_id != account_id:
        raise RestoreError(f"Destination bucket {bucket_name} does not exist in account {account_id}")
    if bucket.region_name != region:
        raise RestoreError(f"Destination bucket {bucket_name} is in {bucket.region_name}, not {region}")
    if bucket.versioning_status != "Enabled":
        raise RestoreError(f"Destination bucket {bucket_name} must have versioning enabled for an S3 restore")
    existing = {key.name for key in _latest_objects(bucket)}
    restored = skipped = 0
    for obj in data.objects:
        if prefixes and not any(obj.key.startswith(p) for p in prefixes):
            continue
        if obj.key in existing:
            skipped += 1
            continue
        key = backend.put_object(
            bucket_name, obj.key, obj.body, storage=obj.storage_class,
            encryption=encryption if encryption else obj.encryption,
            kms_key_id=kms_key_id if encryption else obj.kms_key_id,
            checksum_value=obj.checksum_value, disable_notification=True)
        key.set_metadata(dict(obj.metadata))  # over the new key's defaults (Content-Type)
        key.checksum_algorithm = obj.checksum_algorithm
        key.checksum_type = obj.checksum_type
        key.checksum_parts = obj.checksum_parts
        if obj.tags:
            backend.put_object_tagging(key, dict(obj.tags))
        restored += 1
    return restored, skipped
