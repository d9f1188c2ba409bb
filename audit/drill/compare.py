"""The drill's comparison: what was restored against what the recovery point held.

Tables are compared by facts that stream: the item count and an order-independent SHA-256 digest over
canonical items (a Scan returns items in any order, and a table of 100k items must not be held in memory),
plus key schema, indexes and encryption. Buckets are compared object by object (keys, sizes, SHA-256 of the
bytes, content type, user metadata, tags): per object only those facts are kept, never the bytes.

Details name counts, digests and field names, never a value: the SSN table goes through the same code, and
an object key can hold a name, so a key is shown only as a short hash.
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

PASSED, FAILED, INFO = "passed", "failed", "info"  # INFO: reported, never fails the drill
_MOD = 1 << 256
SHOWN = 3  # at most this many key hashes per kind of difference


@dataclass
class Check:
    name: str
    status: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail}


# ------------------------------------------------------------------------------------ canonical items

def _number(text: str) -> str:
    """DynamoDB numbers compare by value: 2.50 and 2.5 are one number."""
    try:
        return format(Decimal(text).normalize(), "f")
    except InvalidOperation:
        return text


def _binary(value: Any) -> str:
    """Binary as base64 text: botocore hands bytes, the wire (and the sandbox's reference) base64."""
    return base64.b64encode(value).decode() if isinstance(value, (bytes, bytearray)) else str(value)


def canonical_value(value: Mapping[str, Any]) -> Any:
    """One attribute value in DynamoDB JSON, canonical: numbers by value, sets sorted, maps by key."""
    (kind, raw), = value.items()
    if kind == "N":
        return {"N": _number(raw)}
    if kind == "B":
        return {"B": _binary(raw)}
    if kind == "NS":
        return {"NS": sorted((_number(n) for n in raw), key=Decimal)}
    if kind == "SS":
        return {"SS": sorted(raw)}
    if kind == "BS":
        return {"BS": sorted(_binary(b) for b in raw)}
    if kind == "M":
        return {"M": {k: canonical_value(v) for k, v in raw.items()}}
    if kind == "L":
        return {"L": [canonical_value(v) for v in raw]}
    return {kind: raw}  # S, BOOL, NULL


def item_digest(item: Mapping[str, Any]) -> bytes:
    canonical = {name: canonical_value(value) for name, value in item.items()}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode()).digest()


class ItemDigest:
    """A multiset digest: the sum modulo 2^256 of each canonical item's SHA-256, so the order items arrive
    in does not matter and only two integers are kept however large the table."""

    def __init__(self) -> None:
        self.count = 0
        self._sum = 0

    def add(self, item: Mapping[str, Any]) -> None:
        self.count += 1
        self._sum = (self._sum + int.from_bytes(item_digest(item), "big")) % _MOD

    def hexdigest(self) -> str:
        return hashlib.sha256(f"{self.count}:{self._sum:064x}".encode()).hexdigest()


# ------------------------------------------------------------------------------------ tables

@dataclass
class TableFacts:
    key_schema: list[tuple[str, str]]
    indexes: list[dict[str, Any]]
    kms_key: str | None  # None: the AWS-owned key
    count: int
    digest: str


def index_facts(described: Iterable[Mapping[str, Any]] | None, kind: str) -> list[dict[str, Any]]:
    """Indexes as name, key schema and projection (what a restore must bring back; not throughput)."""
    out = []
    for index in described or []:
        projection = index.get("Projection") or {}
        out.append({"kind": kind, "name": index["IndexName"], "key_schema": key_schema(index.get("KeySchema")),
                    "projection": projection.get("ProjectionType"),
                    "non_key_attributes": sorted(projection.get("NonKeyAttributes") or [])})
    return sorted(out, key=lambda i: (i["kind"], i["name"]))


def key_schema(described: Iterable[Mapping[str, str]] | None) -> list[tuple[str, str]]:
    return [(k["AttributeName"], k["KeyType"]) for k in described or []]


def key_id(arn: str | None) -> str | None:
    """A KMS key compared by its id: one side may give the ARN, the other the id."""
    return arn.rsplit("/", 1)[-1] if arn else None


def table_checks(reference: TableFacts, restored: TableFacts) -> list[Check]:
    checks = [
        Check("key schema", PASSED if reference.key_schema == restored.key_schema else FAILED,
              f"{_schema(restored.key_schema)}" if reference.key_schema == restored.key_schema
              else f"restored {_schema(restored.key_schema)}, recovery point {_schema(reference.key_schema)}"),
        _indexes(reference.indexes, restored.indexes),
        _encryption(reference.kms_key, restored.kms_key),
        Check("item count", PASSED if reference.count == restored.count else FAILED,
              f"restored {restored.count}, recovery point {reference.count}"),
        Check("item digest", PASSED if reference.digest == restored.digest else FAILED,
              f"SHA-256 over canonical items: restored {restored.digest[:16]}, recovery point {reference.digest[:16]}"),
    ]
    return checks


def _schema(schema: list[tuple[str, str]]) -> str:
    return ", ".join(f"{name} {kind}" for name, kind in schema) or "(none)"


def _indexes(reference: list[dict[str, Any]], restored: list[dict[str, Any]]) -> Check:
    ref = {f"{i['kind']}:{i['name']}": i for i in reference}
    got = {f"{i['kind']}:{i['name']}": i for i in restored}
    if ref == got:
        return Check("indexes", PASSED, ", ".join(sorted(got)) or "none")
    parts = [f"{label} {', '.join(sorted(found))}" for label, found in (
        ("missing", set(ref) - set(got)), ("extra", set(got) - set(ref)),
        ("different", {n for n in set(ref) & set(got) if ref[n] != got[n]})) if found]
    return Check("indexes", FAILED, "; ".join(parts))


def _encryption(reference: str | None, restored: str | None) -> Check:
    if key_id(reference) == key_id(restored):
        return Check("encryption", PASSED, f"KMS key {key_id(restored)}" if restored else
                     "AWS-owned key, as the source (not a customer-managed key)")
    return Check("encryption", FAILED, f"restored under {key_id(restored) or 'the AWS-owned key'}, the source under "
                                       f"{key_id(reference) or 'the AWS-owned key'}")


# ------------------------------------------------------------------------------------ buckets

@dataclass(frozen=True)
class ObjectFacts:
    key: str
    size: int
    sha256: str
    content_type: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    def differences(self, other: "ObjectFacts") -> list[str]:
        return [name for name in ("size", "sha256", "content_type", "metadata", "tags")
                if getattr(self, name) != getattr(other, name)]


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def bucket_checks(reference: Mapping[str, ObjectFacts], restored: Mapping[str, ObjectFacts],
                  kms_key: str | None = None, restored_keys: Mapping[str, str | None] | None = None) -> list[Check]:
    """Objects by key; ``restored_keys`` (key -> the KMS key id of each restored object) checks encryption
    when given, against ``kms_key``."""
    missing = sorted(set(reference) - set(restored))
    extra = sorted(set(restored) - set(reference))
    changed: dict[str, list[str]] = {k: reference[k].differences(restored[k]) for k in set(reference) & set(restored)}
    changed = {k: v for k, v in sorted(changed.items()) if v}
    fields = sorted({name for names in changed.values() for name in names})
    checks = [
        Check("object count", PASSED if len(reference) == len(restored) else FAILED,
              f"restored {len(restored)}, recovery point {len(reference)}"),
        Check("objects present", FAILED if missing else PASSED,
              f"{len(missing)} missing (key SHA-256 {_shown(missing)})" if missing else f"all {len(reference)}"),
        Check("no extra objects", FAILED if extra else PASSED,
              f"{len(extra)} extra (key SHA-256 {_shown(extra)})" if extra else "none"),
        Check("object content", FAILED if changed else PASSED,
              f"{len(changed)} differ in {', '.join(fields)} (key SHA-256 {_shown(list(changed))})" if changed
              else "size, SHA-256, content type, metadata and tags equal for every object present"),
    ]
    if restored_keys is not None:
        wrong = sorted(k for k, used in restored_keys.items() if key_id(used) != key_id(kms_key))
        expected = f"KMS key {key_id(kms_key)}" if kms_key else "S3-managed keys, as the source"
        if wrong:
            detail = f"{len(wrong)} object(s) not under {expected}"
        elif kms_key:
            detail = f"every object under {expected}"
        else:
            detail = "no customer-managed key at the source: objects under S3-managed keys"
        checks.append(Check("encryption", FAILED if wrong else PASSED, detail))
    return checks


def _shown(keys: list[str]) -> str:
    shown = ", ".join(key_hash(k) for k in keys[:SHOWN])
    return shown + (f", +{len(keys) - SHOWN} more" if len(keys) > SHOWN else "")


def failed(checks: Iterable[Check]) -> bool:
    return any(c.status == FAILED for c in checks)
