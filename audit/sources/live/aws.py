"""Plumbing of the live source: how one side (account + region) is reached and read.

A side owns one boto3 session (a profile, or a role assumed with STS), one client per service and region
(adaptive retries, the sandbox endpoint when given), a counter of API calls fed by a ``before-call``
hook, a pacer for AWS Backup ``List*`` calls, and the list of calls that failed. Readers (``live_read``)
ask it for responses; a refused or failed call becomes an ``errors`` entry, never an exception.
"""
from __future__ import annotations

import contextlib
import json
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterator, cast
from urllib.parse import unquote

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

SESSION_NAME = "compact-retention-audit"
RETRIES = {"mode": "adaptive", "max_attempts": 10}
BACKUP_LIST_CALLS_PER_SECOND = 20.0

ACCESS_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
                           "NotAuthorizedException", "AuthorizationError", "Forbidden", "403"})

# IAM actions whose names differ from the operation they authorise (S3 mostly).
PERMISSION_OF = {
    "s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
}


@dataclass(frozen=True)
class Credentials:
    """How to reach one account."""

    profile: str | None = None
    role_arn: str | None = None      # assume this role (sts:AssumeRole) first
    endpoint_url: str | None = None  # the local sandbox


class LiveSourceError(RuntimeError):
    """A side could not be reached at all (no credentials, the role could not be assumed, wrong account)."""


def client_config(service: str, endpoint_url: str | None) -> Config:
    # A dead endpoint must fail in seconds, not after ten attempts of botocore's 60 s connect timeout.
    options: dict[str, Any] = {"retries": dict(RETRIES), "connect_timeout": 10, "read_timeout": 60}
    if service == "s3" and endpoint_url:
        options["s3"] = {"addressing_style": "path"}
    return Config(**options)


def default_session(credentials: Credentials, *, region_name: str, session_name: str = SESSION_NAME) -> boto3.session.Session:
    """The profile's session, or the session of ``credentials.role_arn`` assumed from it (named
    ``session_name``: CloudTrail shows it on every call the session makes)."""
    base = boto3.session.Session(profile_name=credentials.profile, region_name=region_name)
    if not credentials.role_arn:
        return base
    sts = base.client("sts", region_name=region_name, endpoint_url=credentials.endpoint_url,
                      config=client_config("sts", credentials.endpoint_url))
    assumed = sts.assume_role(RoleArn=credentials.role_arn, RoleSessionName=session_name)["Credentials"]
    return boto3.session.Session(aws_access_key_id=assumed["AccessKeyId"], aws_secret_access_key=assumed["SecretAccessKey"],
                                 aws_session_token=assumed["SessionToken"], region_name=region_name)


class Pacer:
    """A token bucket: ``rate`` calls a second, at most ``burst`` of them back to back.

    With the default ``burst`` of 1 calls are spaced 1/rate apart, so no window of one second (half-open)
    ever holds more than ``rate`` calls. Time is kept in integer nanoseconds so the spacing is exact;
    ``clock`` (seconds) and ``sleep`` are injectable for tests. Thread-safe: a caller reserves its slot
    under the lock and sleeps outside it.
    """

    def __init__(self, rate: float = BACKUP_LIST_CALLS_PER_SECOND, *, burst: int = 1,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self._cost = math.ceil(1e9 / rate)  # ns of credit one call spends
        self._capacity = burst * self._cost
        self._credit = self._capacity
        self._last: int | None = None
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting, for evidence and tests

    def acquire(self) -> float:
        """Take one token, sleeping until it is available; returns the seconds waited."""
        with self._lock:
            now = self._now()
            if self._last is not None:
                self._credit = min(self._capacity, self._credit + max(0, now - self._last))
            self._last = now
            self._credit -= self._cost
            wait_ns = max(0, -self._credit)
        if wait_ns:
            self._sleep(wait_ns / 1e9)
            with self._lock:
                # A sleep that overshoots sends the call late: charge the lateness, so the next call keeps
                # its distance from when this one really went out.
                self._credit -= max(0, self._now() - (now + wait_ns))
                self.waited += wait_ns / 1e9
        return wait_ns / 1e9

    def _now(self) -> int:
        return round(self._clock() * 1e9)


class ApiCalls:
    """``{"<service>:<Operation>": n}`` counted by a ``before-call`` hook (one count per call, not per retry)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, key: str) -> None:
        with self._lock:
            self.counts[key] += 1


class Absent(Exception):
    """The resource asked about does not exist (a fact, not an error)."""


class Failed(Exception):
    """The call failed; it is recorded in the side's errors."""


def parse_document(value: Any) -> Any:
    """A policy document as a dict: IAM returns it decoded, other services as (URL-encoded) JSON text."""
    if value is None or isinstance(value, (dict, list)):
        return value
    text = str(value)
    for candidate in (text, unquote(text)):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return text


class Side:
    """One account and region as the live source reads it."""

    def __init__(self, name: str, account_id: str, region: str, session: boto3.session.Session, *,
                 endpoint_url: str | None = None, calls: ApiCalls | None = None, pacer: Pacer | None = None):
        self.name, self.account_id, self.region = name, account_id, region
        self.session, self.endpoint_url = session, endpoint_url
        self.calls = calls or ApiCalls()
        self.pacer = pacer or Pacer()
        self.errors: list[dict[str, Any]] = []
        self._clients: dict[tuple[str, str], Any] = {}

    # clients -----------------------------------------------------------------------------------------
    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        if key not in self._clients:
            client = self.session.client(service, region_name=key[1], endpoint_url=self.endpoint_url,
                                         config=client_config(service, self.endpoint_url))
            client.meta.events.register_first("before-call", self._before_call_hook(service))
            self._clients[key] = client
        return self._clients[key]

    def _before_call_hook(self, service: str) -> Callable[..., None]:
        # Registered on the generic event and first: it runs for every call of the client, before any
        # handler that may answer the call itself (a stub, a test fake).
        def hook(model: Any, **_: Any) -> None:
            self.calls.add(f"{service}:{model.name}")
            if service == "backup" and model.name.startswith("List"):
                self.pacer.acquire()
        return hook

    # calls -------------------------------------------------------------------------------------------
    def record(self, api: str, resource: str, error: str, *, region: str | None = None, denied: bool = False) -> None:
        self.errors.append({"account_id": self.account_id, "region": region or self.region, "api": api,
                            "resource": resource, "error": error,
                            "missing_permission": PERMISSION_OF.get(api, api) if denied else None})

    @contextlib.contextmanager
    def _guard(self, service: str, operation: str, resource: str, absent: tuple[str, ...], region: str | None) -> Iterator[None]:
        api = f"{service}:{operation}"
        try:
            yield
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code") or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode"))
            if code in absent:
                raise Absent(code) from None
            self.record(api, resource, code, region=region, denied=code in ACCESS_DENIED)
            raise Failed(code) from None
        except BotoCoreError as exc:
            self.record(api, resource, type(exc).__name__, region=region)
            raise Failed(type(exc).__name__) from None

    def call(self, service: str, operation: str, resource: str, *, absent: tuple[str, ...] = (),
             region: str | None = None, **params: Any) -> dict[str, Any]:
        """The response; raises ``Absent`` for an ``absent`` error code, ``Failed`` (recorded) otherwise."""
        client = self.client(service, region)
        with self._guard(service, operation, resource, absent, region):
            return cast("dict[str, Any]", getattr(client, xform_name(operation))(**params))

    def get(self, service: str, operation: str, resource: str, *, absent: tuple[str, ...] = (),
            region: str | None = None, **params: Any) -> dict[str, Any] | None:
        """The response, or None when the thing is absent or the call failed (recorded)."""
        try:
            return self.call(service, operation, resource, absent=absent, region=region, **params)
        except (Absent, Failed):
            return None

    def items(self, service: str, operation: str, resource: str, key: str, *, absent: tuple[str, ...] = (),
              region: str | None = None, page_size: int | None = None, **params: Any) -> list[Any] | None:
        """Every ``key`` item of every page of a List call, or None when the listing is absent or refused
        (a refusal is recorded in ``errors``, like any failed call)."""
        try:
            return [item for page in self.pages(service, operation, resource, absent=absent, region=region,
                                                page_size=page_size, **params) for item in page.get(key) or []]
        except (Absent, Failed):
            return None

    def pages(self, service: str, operation: str, resource: str, *, absent: tuple[str, ...] = (),
              region: str | None = None, page_size: int | None = None, **params: Any) -> list[dict[str, Any]]:
        """Every page of a List call: botocore's paginator when it has one, else a NextToken loop.
        Raises like ``call``."""
        client = self.client(service, region)
        method = xform_name(operation)
        with self._guard(service, operation, resource, absent, region):
            if client.can_paginate(method):
                config = {"PageSize": page_size} if page_size else {}
                return list(client.get_paginator(method).paginate(**params, PaginationConfig=config))
            pages, token = [], None
            while True:
                extra = {"NextToken": token} if token else {}
                if page_size:
                    extra["MaxResults"] = page_size
                page = getattr(client, method)(**params, **extra)
                pages.append(page)
                token = page.get("NextToken")
                if not token:
                    return pages
