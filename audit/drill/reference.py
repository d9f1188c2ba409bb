"""What the recovery point held: the side a drill compares the restored resource with.

* In the sandbox (``--endpoint-url`` of a sandbox): exact. The sandbox serves the recovery point's data on
  ``/_sandbox/recovery-point-data`` (``sandbox/recovery_point_reader.py``), streamed as NDJSON, and it is
  digested with the same code as the restored side. A change made after the backup is not seen.
* On AWS: no API lists a recovery point's content, so the reference is the live source as it is now, an
  approximation: a change since the recovery point shows as a difference. Those data checks are reported
  as ``info`` (never failing the drill) and say so; schema, indexes and encryption are still compared.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Iterator

from audit.drill import facts
from audit.drill.compare import ObjectFacts, TableFacts, index_facts, key_schema

ROUTE = "/_sandbox/recovery-point-data"
APPROXIMATE = ("compared with the live source as it is now (AWS lists no recovery point's content): a change "
               "made since the recovery point shows here; not a restore failure by itself")


class ReferenceUnavailable(Exception):
    """The reference could not be read (a failure of the drill of that resource)."""


@dataclass
class Reference:
    """The reference facts of one resource and whether they are exactly the recovery point's."""

    exact: bool
    table: TableFacts | None = None
    objects: dict[str, ObjectFacts] | None = None
    kms_key: str | None = None  # buckets: the source's default KMS key
    note: str = ""


def sandbox_lines(endpoint_url: str, point_arn: str) -> Iterator[dict[str, Any]]:
    """The NDJSON lines of the sandbox's route, one at a time."""
    url = f"{endpoint_url.rstrip('/')}{ROUTE}?{urllib.parse.urlencode({'arn': point_arn})}"
    try:
        response = urllib.request.urlopen(url, timeout=60)
    except urllib.error.HTTPError as exc:
        raise ReferenceUnavailable(f"the sandbox did not serve recovery point {point_arn}: HTTP {exc.code}") from None
    with response:
        for line in response:
            if line.strip():
                yield json.loads(line)


def is_sandbox(endpoint_url: str | None) -> bool:
    """Whether the endpoint serves the sandbox's route (another local AWS gets the live approximation)."""
    if not endpoint_url:
        return False
    try:
        urllib.request.urlopen(f"{endpoint_url.rstrip('/')}{ROUTE}?arn=probe", timeout=10)
    except urllib.error.HTTPError as exc:
        return exc.code == 404 and b"no recovery point" in exc.read()
    except (urllib.error.URLError, OSError):
        return False
    return False


def sandbox_table(endpoint_url: str, point_arn: str, label: str, progress: facts.Progress) -> Reference:
    lines = sandbox_lines(endpoint_url, point_arn)
    head = next(lines)
    digest = facts.digest_items(lines, f"{label} (recovery point)", progress)
    sse = head.get("sse") or {}
    table = TableFacts(key_schema(head["key_schema"]),
                       index_facts(head.get("global_indexes"), "global") + index_facts(head.get("local_indexes"), "local"),
                       sse.get("KMSMasterKeyArn"), digest.count, digest.hexdigest())
    return Reference(True, table=table, note="exact: the recovery point's data as the sandbox holds it")


def sandbox_bucket(endpoint_url: str, point_arn: str) -> Reference:
    lines = sandbox_lines(endpoint_url, point_arn)
    head = next(lines)
    objects = {o["key"]: ObjectFacts(o["key"], o["size"], o["sha256"], o.get("content_type"),
                                     {k.lower(): v for k, v in (o.get("metadata") or {}).items()}, o.get("tags") or {})
               for o in lines}
    return Reference(True, objects=objects, kms_key=head.get("kms_key_id") if head.get("encryption") == "aws:kms" else None,
                     note="exact: the recovery point's objects as the sandbox holds them")


def live_table(client: Any, table: str, label: str, progress: facts.Progress) -> Reference:
    return Reference(False, table=facts.read_table(client, table, f"{label} (live source)", progress), note=APPROXIMATE)


def live_bucket(client: Any, bucket: str, label: str, progress: facts.Progress) -> Reference:
    objects, _ = facts.read_bucket(client, bucket, f"{label} (live source)", progress)
    rule = ((client.get_bucket_encryption(Bucket=bucket).get("ServerSideEncryptionConfiguration") or {})
            .get("Rules") or [{}])[0].get("ApplyServerSideEncryptionByDefault") or {}
    kms = rule.get("KMSMasterKeyID") if rule.get("SSEAlgorithm") == "aws:kms" else None
    return Reference(False, objects=objects, kms_key=kms, note=APPROXIMATE)
