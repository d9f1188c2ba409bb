"""The checkpoint object ``<run prefix>/checkpoint.json``: where to continue an unfinished export."""
from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

NAME = "checkpoint.json"
VERSION = 1


def load(s3: Any, bucket: str, key: str) -> dict | None:
    body = get_object(s3, bucket, key)
    if body is None:
        return None
    state = json.loads(body)
    if state.get("version") != VERSION:
        raise ValueError(f"unsupported checkpoint version in {key}")
    return state


def save(s3: Any, bucket: str, key: str, state: dict) -> None:
    body = json.dumps({**state, "version": VERSION}, sort_keys=True, separators=(",", ":")).encode()
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")


def delete(s3: Any, bucket: str, key: str) -> None:
    s3.delete_object(Bucket=bucket, Key=key)


def get_object(s3: Any, bucket: str, key: str) -> bytes | None:
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            return None
        raise


def exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            return False
        raise
