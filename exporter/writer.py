"""S3 objects of an export: bounded, deterministic chunk streams (gzip with mtime 0, sorted JSON keys).

A stream holds at most ``chunk_size`` rows in memory; a full chunk is written at once. Its state (chunk
number, the rows not yet written) goes into the checkpoint, so a resumed run writes the same bytes as a
one-shot run.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from typing import Any


def dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Writer:
    """Puts objects under one run prefix and records key, size and SHA-256 of each."""

    def __init__(self, s3: Any, bucket: str, run_prefix: str, objects: dict[str, dict] | None = None):
        self.s3, self.bucket, self.run_prefix = s3, bucket, run_prefix.rstrip("/") + "/"
        self.objects: dict[str, dict] = dict(objects or {})

    def key(self, name: str) -> str:
        return self.run_prefix + name

    def put(self, name: str, body: bytes, content_type: str, record: bool = True) -> dict:
        key = self.key(name)
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        entry = {"key": key, "size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
        if record:
            self.objects[name] = entry
        return entry

    def put_json(self, name: str, obj: Any, record: bool = True) -> dict:
        body = (json.dumps(obj, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()
        return self.put(name, body, "application/json", record)


class ChunkStream:
    """Rows to numbered chunk objects ``<stem>-00001.<ext>``; kind "jsonl" (gzipped) or "csv"."""

    def __init__(self, writer: Writer, stem: str, kind: str, chunk_size: int,
                 header: list[str] | None = None, state: dict | None = None):
        if chunk_size < 1:
            raise ValueError("chunk_size must be >= 1")
        self.writer, self.stem, self.kind, self.chunk_size, self.header = writer, stem, kind, chunk_size, header
        state = state or {}
        self.chunks = int(state.get("chunks", 0))
        self.rows = int(state.get("rows", 0))
        self.pending: list[str] = list(state.get("pending", []))

    def state(self) -> dict:
        return {"chunks": self.chunks, "rows": self.rows, "pending": list(self.pending)}

    def add(self, row: Any) -> None:
        if self.kind == "csv":
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerow(row)
            self.pending.append(out.getvalue())
        else:
            self.pending.append(dumps(row) + "\n")
        self.rows += 1
        if len(self.pending) >= self.chunk_size:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        self.chunks += 1
        if self.kind == "csv":
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerow(self.header or [])
            body = (out.getvalue() + "".join(self.pending)).encode()
            self.writer.put(f"{self.stem}-{self.chunks:05d}.csv", body, "text/csv")
        else:
            body = gzip.compress("".join(self.pending).encode(), compresslevel=6, mtime=0)
            self.writer.put(f"{self.stem}-{self.chunks:05d}.jsonl.gz", body, "application/gzip")
        self.pending = []
