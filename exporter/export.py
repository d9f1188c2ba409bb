"""Export one Cognito user pool to S3 (AWS Backup cannot back up Cognito; it protects the bucket).

``export_pool`` writes under ``s3://<bucket>/<prefix>/<pool_id>/<YYYY-MM-DD>/`` (a forced second run of
the same day under ``.../<YYYY-MM-DD>/run-002/``):

* ``pool.json``      the pool description (schema incl. custom attributes, policies, MFA configuration)
* ``groups.json``    groups with precedence, role and description
* ``users-NNNNN.jsonl.gz``        every user: username, sub, status, enabled, dates, attributes, MFA options
* ``import-NNNNN.csv``            Cognito user-import CSV (``GetCSVHeader`` columns); imports land in
  RESET_REQUIRED. Federated (EXTERNAL_PROVIDER) users are in ``federated-NNNNN.jsonl.gz`` instead.
* ``sub-map-NNNNN.jsonl.gz``      username -> old sub (sub is not importable)
* ``memberships-NNNNN.jsonl.gz``  group -> username, from ListUsersInGroup per group (never per user)
* ``manifest.json``  written LAST: counts and key, size, SHA-256 of every object.

Build the Cognito client with ``exporter.pacer.CLIENT_CONFIG`` (adaptive retries); the exporter
paces every Cognito call (``budget_per_second``) and retries throttling that outlasts botocore.
When ``deadline()`` (remaining seconds) drops below ``min_remaining`` the exporter saves
``checkpoint.json`` and returns ``Result(complete=False)``; the next call resumes, and the finished
export is byte-identical to a one-shot run. Logs carry counts, pool ids and keys only, never user data.

A checkpoint's pagination token can go stale (Cognito answers ``InvalidParameterException`` for a token it
no longer accepts): resuming from it would fail on every retry. The first page asked with a token carried
over from a checkpoint is therefore special: if Cognito rejects that token, the run starts afresh under
the same run prefix (``fresh_on_rejected_token``, the default), or, for an earlier day's export that a
newer one supersedes, the result says ``TOKEN_REJECTED`` and the caller abandons it. The objects of an
abandoned or restarted attempt are never deleted by this code (only ``checkpoint.json`` is ever removed,
and never in a run with a manifest): the bucket's lifecycle rule expires them with every other export.
"""
from __future__ import annotations

import datetime as _dt
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError

from . import checkpoint as ckpt, manifest as mf
from .pacer import Pacer
from .pool import csv_header, describe_pool, list_groups, members_page, user_record, users_page
from .writer import ChunkStream, Writer

LOG = logging.getLogger(__name__)
BOOLEAN_COLUMNS = {"email_verified", "phone_number_verified", "cognito:mfa_enabled"}
FEDERATED = "EXTERNAL_PROVIDER"
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
POOL_RE = re.compile(r"^[\w-]+_[0-9a-zA-Z]+$")
# How Cognito refuses a pagination token it no longer accepts (moto: InvalidToken). Only the first page
# asked with a token carried over from a checkpoint is read this way; elsewhere these codes are errors.
REJECTED_TOKEN_CODES = {"InvalidParameterException", "InvalidToken"}
TOKEN_REJECTED = "PaginationTokenRejected"  # Result.error of an export whose checkpoint token was refused


class ExportExists(Exception):
    """A complete export of this pool and day exists; pass overwrite=True to write a new run."""


class TokenRejected(Exception):
    """Cognito refused the pagination token a checkpoint carried over from an earlier invocation."""


@dataclass
class Result:
    complete: bool
    pool_id: str
    day: str
    run_prefix: str
    manifest_key: str | None = None
    checkpoint_key: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    def summary(self) -> dict[str, Any]:
        return {"complete": self.complete, "pool_id": self.pool_id, "day": self.day,
                "run_prefix": self.run_prefix, "manifest_key": self.manifest_key,
                "checkpoint_key": self.checkpoint_key, "counts": self.counts, "calls": self.calls,
                "error": self.error}


def day_prefix(prefix: str, pool_id: str, day: str) -> str:
    return f"{prefix.strip('/')}/{pool_id}/{day}/"


def run_prefix(prefix: str, pool_id: str, day: str, run: int) -> str:
    base = day_prefix(prefix, pool_id, day)
    return base if run == 1 else f"{base}run-{run:03d}/"


def locate_run(s3: Any, bucket: str, prefix: str, pool_id: str, day: str,
               overwrite: bool) -> tuple[int, dict | None]:
    """The run to work on: an unfinished one with a checkpoint, else a new one (refused if complete)."""
    complete_found = False
    for run in range(1, 1000):
        rp = run_prefix(prefix, pool_id, day, run)
        if ckpt.exists(s3, bucket, rp + mf.NAME):
            complete_found = True
            continue
        state = ckpt.load(s3, bucket, rp + ckpt.NAME)
        if state is not None:
            return run, state
        if complete_found and not overwrite:
            raise ExportExists(f"a complete export exists at s3://{bucket}/{run_prefix(prefix, pool_id, day, run - 1)}"
                               f"{mf.NAME}; pass overwrite=True to write run {run}")
        return run, None
    raise ExportExists("too many runs for one day")


def abandon_checkpoint(s3: Any, bucket: str, checkpoint_key: str) -> None:
    """Remove the checkpoint of an unfinished run that will never be resumed (a newer export supersedes it),
    so that no later invocation tries it again. Refuses anything but a ``checkpoint.json`` of a run without
    a manifest: nothing of a complete export is ever deleted. The run's other objects stay until the
    bucket's lifecycle rule expires them (the exporter's role may delete checkpoints only)."""
    run = checkpoint_key[: -len(ckpt.NAME)]
    if not checkpoint_key.endswith("/" + ckpt.NAME):
        raise ValueError(f"not a checkpoint key: {checkpoint_key}")
    if ckpt.exists(s3, bucket, run + mf.NAME):
        raise ValueError(f"refusing to remove {checkpoint_key}: its run is complete ({run}{mf.NAME})")
    ckpt.delete(s3, bucket, checkpoint_key)


def pending_checkpoint(s3: Any, bucket: str, prefix: str, pool_id: str, day: str) -> str | None:
    """The checkpoint key of an unfinished run of that day, if any (complete runs are skipped)."""
    for run in range(1, 1000):
        rp = run_prefix(prefix, pool_id, day, run)
        if ckpt.exists(s3, bucket, rp + mf.NAME):
            continue
        return rp + ckpt.NAME if ckpt.exists(s3, bucket, rp + ckpt.NAME) else None
    return None


def csv_row(header: list[str], record: dict[str, Any]) -> list[str]:
    attributes = record["attributes"]
    row = []
    for column in header:
        if column == "cognito:username":
            row.append(record["username"])
        elif column == "cognito:mfa_enabled":
            row.append("true" if record.get("mfa_options") else "false")
        else:
            value = attributes.get(column)
            if column in BOOLEAN_COLUMNS:
                value = "true" if str(value).lower() == "true" else "false"
            row.append("" if value is None else str(value))
    return row


class _Export:
    def __init__(self, cognito, s3, pacer: Pacer, *, pool_id, bucket, prefix, day, run, state, chunk_size,
                 csv_chunk_size, deadline, min_remaining, checkpoint_interval, clock, progress):
        self.cognito, self.s3, self.pacer = cognito, s3, pacer
        self.pool_id, self.bucket, self.prefix, self.day, self.run = pool_id, bucket, prefix, day, run
        self.deadline, self.min_remaining = deadline, min_remaining
        self.checkpoint_interval, self.clock, self.progress = checkpoint_interval, clock, progress
        self.rp = run_prefix(prefix, pool_id, day, run)
        self.checkpoint_key = self.rp + ckpt.NAME
        state = state or {}
        self.phase = state.get("phase", "start")
        self.token = state.get("token")
        self.carried_token = self.token  # from an earlier invocation: Cognito may no longer accept it
        self.group_index = int(state.get("group_index", 0))
        self.groups: list[str] = list(state.get("groups", []))
        self.header: list[str] = list(state.get("csv_header", []))
        self.counts: dict[str, Any] = state.get("counts") or {
            "users": 0, "by_status": {}, "enabled": 0, "disabled": 0, "federated": 0, "csv_rows": 0,
            "groups": 0, "memberships": 0}
        self.writer = Writer(s3, bucket, self.rp, state.get("objects"))
        streams = state.get("streams", {})
        self.chunk_size, self.csv_chunk_size = chunk_size, csv_chunk_size
        self.users = ChunkStream(self.writer, "users", "jsonl", chunk_size, state=streams.get("users"))
        self.subs = ChunkStream(self.writer, "sub-map", "jsonl", chunk_size, state=streams.get("sub-map"))
        self.federated = ChunkStream(self.writer, "federated", "jsonl", chunk_size, state=streams.get("federated"))
        self.members = ChunkStream(self.writer, "memberships", "jsonl", chunk_size,
                                   state=streams.get("memberships"))
        self.csv = ChunkStream(self.writer, "import", "csv", csv_chunk_size, header=self.header,
                               state=streams.get("import"))
        self.snapshot: dict | None = None
        self.saved_checkpoint = state.get("phase") is not None
        self.last_save = clock()

    # -- checkpointing --------------------------------------------------------------------------
    def state(self) -> dict:
        return {
            "pool_id": self.pool_id, "day": self.day, "run": self.run, "run_prefix": self.rp,
            "prefix": self.prefix, "phase": self.phase, "token": self.token, "group_index": self.group_index,
            "groups": self.groups, "csv_header": self.header, "counts": _copy_counts(self.counts),
            "chunk_size": self.chunk_size, "csv_chunk_size": self.csv_chunk_size,
            "objects": dict(self.writer.objects),
            "streams": {s.stem: s.state() for s in (self.users, self.subs, self.federated, self.members, self.csv)},
        }

    def save(self, state: dict | None = None) -> None:
        ckpt.save(self.s3, self.bucket, self.checkpoint_key, state or self.state())
        self.saved_checkpoint = True
        self.last_save = self.clock()
        LOG.info("checkpoint saved: pool %s phase %s users %d memberships %d key %s", self.pool_id, self.phase,
                 self.counts["users"], self.counts["memberships"], self.checkpoint_key)

    def boundary(self) -> bool:
        """At a page boundary: snapshot, report progress; True when the run must stop and checkpoint."""
        self.snapshot = self.state()
        if self.progress:
            self.progress(self.phase, self.counts)
        if self.deadline is not None and self.deadline() < self.min_remaining:
            self.save(self.snapshot)
            return True
        if self.checkpoint_interval and self.clock() - self.last_save >= self.checkpoint_interval:
            self.save(self.snapshot)
        return False

    def page(self, read: Callable[..., tuple[list[dict], str | None]], *args: Any) -> tuple[list[dict], str | None]:
        """One page of ``read`` at ``self.token``. A token carried over from the checkpoint that Cognito
        refuses raises TokenRejected (the caller decides: start afresh or abandon); any other error, and any
        refusal of a token this invocation obtained, propagates as it is."""
        try:
            result = read(self.cognito, self.pacer, self.pool_id, *args, self.token)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if self.carried_token is not None and self.token == self.carried_token and code in REJECTED_TOKEN_CODES:
                raise TokenRejected(f"Cognito refused the pagination token of checkpoint {self.checkpoint_key} "
                                    f"({code})") from error
            raise
        self.carried_token = None
        return result

    # -- phases ------------------------------------------------------------------------------------
    def run_all(self) -> bool:  # noqa: C901 - the resumable export's phases in order, each checkpointed
        if self.phase == "start":
            self.snapshot = self.state()
            description = describe_pool(self.cognito, self.pacer, self.pool_id)
            self.header = csv_header(self.cognito, self.pacer, self.pool_id)
            self.csv.header = self.header
            groups = list_groups(self.cognito, self.pacer, self.pool_id)
            self.groups = [g["GroupName"] for g in groups]
            self.counts["groups"] = len(groups)
            self.writer.put_json("pool.json", {"pool": description, "csv_header": self.header})
            self.writer.put_json("groups.json", groups)
            self.phase = "users"
        if self.phase == "users":
            while True:
                if self.boundary():
                    return False
                page, self.token = self.page(users_page)
                for user in page:
                    self.add_user(user_record(user))
                if not self.token:
                    for stream in (self.users, self.subs, self.federated, self.csv):
                        stream.flush()
                    self.phase, self.group_index = "memberships", 0
                    break
        if self.phase == "memberships":
            while self.group_index < len(self.groups):
                if self.boundary():
                    return False
                group = self.groups[self.group_index]
                page, self.token = self.page(members_page, group)
                for user in page:
                    self.members.add({"group": group, "username": user["Username"]})
                self.counts["memberships"] += len(page)
                if not self.token:
                    self.group_index += 1
            self.members.flush()
            self.phase = "manifest"
        if self.phase == "manifest":
            self.snapshot = self.state()
            manifest = mf.build(pool_id=self.pool_id, day=self.day, run=self.run, csv_header=self.header,
                                counts=self.counts, objects=self.writer.objects)
            self.writer.put_json(mf.NAME, manifest, record=False)
            self.phase = "done"
            if self.saved_checkpoint:
                try:
                    ckpt.delete(self.s3, self.bucket, self.checkpoint_key)
                except (ClientError, BotoCoreError):
                    LOG.warning("could not delete checkpoint %s (export is complete)", self.checkpoint_key)
        return True

    def add_user(self, record: dict[str, Any]) -> None:
        c = self.counts
        c["users"] += 1
        c["by_status"][record["status"]] = c["by_status"].get(record["status"], 0) + 1
        c["enabled" if record["enabled"] else "disabled"] += 1
        self.users.add(record)
        self.subs.add({"username": record["username"], "sub": record["sub"]})
        if record["status"] == FEDERATED:
            c["federated"] += 1
            self.federated.add({"username": record["username"], "sub": record["sub"],
                                "identities": record["attributes"].get("identities"),
                                "enabled": record["enabled"]})
        else:
            c["csv_rows"] += 1
            self.csv.add(csv_row(self.header, record))


def _copy_counts(counts: dict) -> dict:
    return {k: (dict(v) if isinstance(v, dict) else v) for k, v in counts.items()}


def export_pool(cognito: Any, s3: Any, *, pool_id: str, bucket: str, prefix: str = "cognito-export",  # noqa: C901 - argument checks and the resume-or-start decision of the export
                day: str | None = None, budget_per_second: float = 10.0,
                deadline: Callable[[], float] | None = None, checkpoint: str | None = None,
                overwrite: bool = False, chunk_size: int = 5000, csv_chunk_size: int = 10000,
                min_remaining: float = 60.0, checkpoint_interval: float = 120.0,
                clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                pacer: Pacer | None = None, fresh_on_rejected_token: bool = True,
                progress: Callable[[str, dict], None] | None = None) -> Result:
    """Export (or continue exporting) one pool for one day. See the module docstring.

    ``fresh_on_rejected_token``: when Cognito refuses the checkpoint's pagination token, start this run
    again from the beginning (True), or return ``Result(error=TOKEN_REJECTED)`` leaving the checkpoint for
    the caller to abandon (False: an earlier day's export that today's export supersedes)."""
    if not pool_id or not POOL_RE.match(pool_id):
        raise ValueError(f"not a user pool id: {pool_id!r}")
    day = day or _dt.datetime.now(_dt.timezone.utc).date().isoformat()
    if not DAY_RE.match(day):
        raise ValueError(f"day must be YYYY-MM-DD: {day!r}")
    _dt.date.fromisoformat(day)
    if not 1 <= csv_chunk_size <= 500_000:
        raise ValueError("csv_chunk_size must be 1..500000 (a user import job takes 500,000 users, 100 MB)")
    pacer = pacer or Pacer(budget_per_second, clock=clock, sleep=sleep)
    if checkpoint:
        state = ckpt.load(s3, bucket, checkpoint)
        if state is None:
            raise ValueError(f"no checkpoint at s3://{bucket}/{checkpoint}")
        if state["pool_id"] != pool_id:
            raise ValueError("checkpoint belongs to another pool")
        run, day, prefix = state["run"], state["day"], state["prefix"]
    else:
        run, state = locate_run(s3, bucket, prefix, pool_id, day, overwrite)
    if state:
        chunk_size, csv_chunk_size = state["chunk_size"], state["csv_chunk_size"]
        LOG.info("resuming export of pool %s day %s run %d at phase %s", pool_id, day, run, state["phase"])

    def new_job(from_state: dict | None) -> _Export:
        return _Export(cognito, s3, pacer, pool_id=pool_id, bucket=bucket, prefix=prefix, day=day, run=run,
                       state=from_state, chunk_size=chunk_size, csv_chunk_size=csv_chunk_size, deadline=deadline,
                       min_remaining=min_remaining, checkpoint_interval=checkpoint_interval, clock=clock,
                       progress=progress)

    job = new_job(state)
    try:
        try:
            complete = job.run_all()
        except TokenRejected as rejected:
            if not fresh_on_rejected_token:
                LOG.warning("export of pool %s day %s cannot resume: %s", pool_id, day, rejected)
                return Result(False, pool_id, day, job.rp, checkpoint_key=job.checkpoint_key, counts=job.counts,
                              calls=dict(pacer.calls), error=TOKEN_REJECTED)
            LOG.warning("export of pool %s day %s: %s; starting the run again from the beginning", pool_id, day,
                        rejected)
            job = new_job(None)
            job.saved_checkpoint = True  # the stale checkpoint is overwritten, and removed once complete
            complete = job.run_all()
    except (ClientError, BotoCoreError) as error:
        code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else type(error).__name__
        LOG.error("export of pool %s day %s failed in phase %s (%s); no manifest written", pool_id, day,
                  job.phase, code)
        saved = None
        if job.snapshot is not None and job.snapshot["phase"] != "start":
            try:
                job.save(job.snapshot)
                saved = job.checkpoint_key
            except (ClientError, BotoCoreError):
                LOG.error("could not save checkpoint %s", job.checkpoint_key)
        return Result(False, pool_id, day, job.rp, checkpoint_key=saved or (job.checkpoint_key if job.saved_checkpoint else None),
                      counts=job.counts, calls=dict(pacer.calls), error=f"{code}")
    if not complete:
        LOG.info("export of pool %s day %s paused: %d users, %d memberships so far; checkpoint %s", pool_id,
                 day, job.counts["users"], job.counts["memberships"], job.checkpoint_key)
        return Result(False, pool_id, day, job.rp, checkpoint_key=job.checkpoint_key, counts=job.counts,
                      calls=dict(pacer.calls))
    LOG.info("export of pool %s day %s complete: %d users (%d disabled, %d federated), %d groups, "
             "%d memberships; manifest %s", pool_id, day, job.counts["users"], job.counts["disabled"],
             job.counts["federated"], job.counts["groups"], job.counts["memberships"], job.rp + mf.NAME)
    return Result(True, pool_id, day, job.rp, manifest_key=job.rp + mf.NAME, counts=job.counts,
                  calls=dict(pacer.calls))
