"""Checks of a restored DynamoDB test table: ACTIVE, encrypted with the expected customer-managed key,
key schema and indexes equal to the source table's, item count equal to what the recovery point held
where AWS reports it.

Why these: a restore that "completed" into a table with the wrong key schema, a lost index, an AWS-owned
key or missing items is not a usable restore. What AWS reports: ``DescribeTable`` of both tables; for a
DynamoDB-managed backup (ARN ``arn:aws:dynamodb:...:table/T/backup/ID``) ``DescribeBackup`` gives the item
count of the source at backup time (DynamoDB developer guide, DescribeBackup: SourceTableDetails.ItemCount,
which AWS documents as approximate). A recovery point of AWS Backup's advanced DynamoDB backups
(``arn:aws:backup:...:recovery-point:ID``) reports no item count: the check says so instead of guessing.
The function counts with ``Scan`` ``Select=COUNT``; it never reads item values.
"""
from __future__ import annotations

from typing import Any

from .checks import Check


def table_name(arn: str) -> str:
    return arn.split(":table/", 1)[1].split("/", 1)[0]


def _indexes(table: dict[str, Any], kind: str) -> dict[str, Any]:
    return {i["IndexName"]: i["KeySchema"] for i in table.get(kind) or []}


def _count(dynamodb: Any, name: str) -> int:
    total, kwargs = 0, {"TableName": name, "Select": "COUNT"}
    while True:
        page = dynamodb.scan(**kwargs)
        total += page["Count"]
        if not page.get("LastEvaluatedKey"):
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _expected_count(dynamodb: Any, recovery_point_arn: str) -> int | None:
    if ":dynamodb:" not in recovery_point_arn or "/backup/" not in recovery_point_arn:
        return None
    try:
        description = dynamodb.describe_backup(BackupArn=recovery_point_arn)["BackupDescription"]
    except dynamodb.exceptions.BackupNotFoundException:  # expired since the restore: nothing to compare with
        return None
    return (description.get("SourceTableDetails") or {}).get("ItemCount")


def _encryption(table: dict[str, Any], expected_key: str | None) -> Check:
    sse = table.get("SSEDescription") or {}
    key = sse.get("KMSMasterKeyArn")
    if sse.get("Status") not in ("ENABLED", "UPDATING") or sse.get("SSEType") != "KMS" or not key:
        return Check("encryption", False, "not encrypted with a customer-managed KMS key (AWS-owned key)")
    if expected_key and key != expected_key:
        return Check("encryption", False, f"encrypted with {key}, not the general backup key")
    return Check("encryption", True, "customer-managed key")


def validate_table(dynamodb: Any, restored_arn: str, source_arn: str | None, recovery_point_arn: str,
                   expected_key: str | None) -> list[Check]:
    restored = dynamodb.describe_table(TableName=table_name(restored_arn))["Table"]
    checks = [Check("table_active", restored.get("TableStatus") == "ACTIVE", f"status {restored.get('TableStatus')}"),
              _encryption(restored, expected_key)]
    source = None
    if source_arn:
        try:
            source = dynamodb.describe_table(TableName=table_name(source_arn))["Table"]
        except dynamodb.exceptions.ResourceNotFoundException:
            checks.append(Check("key_schema", True, "source table gone: not compared"))
    if source is not None:
        checks.append(Check("key_schema", restored.get("KeySchema") == source.get("KeySchema"),
                            "equal to the source" if restored.get("KeySchema") == source.get("KeySchema")
                            else "differs from the source"))
        for kind, label in (("GlobalSecondaryIndexes", "global_indexes"), ("LocalSecondaryIndexes", "local_indexes")):
            mine, theirs = _indexes(restored, kind), _indexes(source, kind)
            missing = sorted(set(theirs) - set(mine))
            changed = sorted(n for n in set(theirs) & set(mine) if theirs[n] != mine[n])
            detail = f"{len(theirs)} equal to the source" if not missing and not changed else \
                f"missing {', '.join(missing) or '-'}; key schema changed {', '.join(changed) or '-'}"
            checks.append(Check(label, not missing and not changed, detail))
    count = _count(dynamodb, table_name(restored_arn))
    expected = _expected_count(dynamodb, recovery_point_arn)
    if expected is None:
        checks.append(Check("item_count", True, f"{count} items; the recovery point reports no item count"))
    else:
        checks.append(Check("item_count", count == expected, f"{count} items, the backup holds {expected}"))
    return checks
