"""Fixtures for the Cognito exporter: moto clients, a fake clock, recording/throttling client wrappers.

moto 5.2.5 lacks GetCSVHeader: importing ``sandbox.cognito.urls`` adds it (AWS's documented default header
plus custom:<name>). moto accepts Limit > 60, so the recording wrapper fails any call asking for more.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from typing import Any, Callable

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

import sandbox.cognito.urls  # noqa: F401  (installs GetCSVHeader in moto)

REGION = "us-east-1"
BUCKET = "cognito-exports"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


class Recording:
    """Wraps a boto3 client: records each call; optionally raises on every n-th call or a chosen call."""

    def __init__(self, client: Any, *, throttle_every: int = 0, fail: Callable[[str, dict, int], Exception | None] | None = None):
        self._client, self._throttle_every, self._fail = client, throttle_every, fail
        self.calls: list[tuple[str, dict]] = []

    def count(self, op: str) -> int:
        return sum(1 for name, _ in self.calls if name == op)

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._client, name)
        if not callable(target) or name.startswith("_") or name in ("meta", "exceptions"):
            return target

        def call(**kwargs: Any) -> Any:
            assert kwargs.get("Limit", 0) <= 60, f"{name} asked for Limit {kwargs['Limit']} (AWS max 60)"
            self.calls.append((name, kwargs))
            n = len(self.calls)
            if self._throttle_every and n % self._throttle_every == 0:
                raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}}, name)
            if self._fail:
                error = self._fail(name, kwargs, n)
                if error is not None:
                    raise error
            return target(**kwargs)

        call.__name__ = name
        return call


def rejecting(token: str, seen: list[str] | None = None) -> Callable[[str, dict, int], Exception | None]:
    """A ``Recording`` failure: Cognito refusing the stale ``token`` a checkpoint carries, as it refuses an
    expired pagination token (the message quotes it, as AWS's "Paging marker ... is invalid" does). Only its
    first use is refused: in AWS a fresh listing hands out new tokens, while moto hands out the same string
    again. ``seen`` collects each refusal."""
    refused: list[str] = [] if seen is None else seen

    def fail(op: str, kwargs: dict, _n: int) -> Exception | None:
        if not refused and token in (kwargs.get("PaginationToken"), kwargs.get("NextToken")):
            refused.append(op)
            return ClientError({"Error": {"Code": "InvalidParameterException",
                                          "Message": f"Paging marker {token} is invalid for request"}}, op)
        return None
    return fail


def checkpoint_token(s3: Any, key: str) -> str:
    """The pagination token a saved checkpoint resumes from."""
    token = read_json(s3, key)["token"]
    assert token, f"{key} holds no pagination token"
    return token


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        yield boto3.client("cognito-idp", region_name=REGION), s3


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_pool(cognito: Any, users: int, *, groups: int = 3, unconfirmed: int = 0, disabled_every: int = 7,
              custom: bool = True) -> dict[str, Any]:
    """A pool with a custom attribute; user i is in group i % groups, every 5th user also in group 0's
    neighbour, every 4th user in no group; every disabled_every-th user disabled; unconfirmed via SignUp."""
    schema = [{"Name": "licensee", "AttributeDataType": "String", "Mutable": True}] if custom else []
    pool_id = cognito.create_user_pool(PoolName="licensees", Schema=schema, MfaConfiguration="OFF",
                                       UsernameAttributes=["email"])["UserPool"]["Id"]
    names = [f"group-{g}" for g in range(groups)]
    for g, name in enumerate(names):
        cognito.create_group(UserPoolId=pool_id, GroupName=name, Precedence=g + 1, Description=f"group {g}",
                             RoleArn=f"arn:aws:iam::123456789012:role/r{g}")
    emails, disabled, memberships = [], [], 0
    for i in range(users):
        email = f"person{i}@example.org"
        attrs = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"},
                 {"Name": "given_name", "Value": f"Given{i}"}]
        if custom:
            attrs.append({"Name": "custom:licensee", "Value": f"LIC-{i:06d}"})
        cognito.admin_create_user(UserPoolId=pool_id, Username=email, UserAttributes=attrs, MessageAction="SUPPRESS")
        emails.append(email)
        if groups and i % 4 != 3:
            cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=names[i % groups])
            memberships += 1
            if i % 5 == 0 and groups > 1:
                cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email,
                                                GroupName=names[(i + 1) % groups])
                memberships += 1
        if disabled_every and i % disabled_every == 0:
            cognito.admin_disable_user(UserPoolId=pool_id, Username=email)
            disabled.append(email)
    if unconfirmed:
        client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="app")["UserPoolClient"]["ClientId"]
        for i in range(unconfirmed):
            email = f"pending{i}@example.org"
            cognito.sign_up(ClientId=client_id, Username=email, Password="Passw0rd!Passw0rd",
                            UserAttributes=[{"Name": "email", "Value": email}])
            emails.append(email)
    return {"pool_id": pool_id, "emails": emails, "disabled": disabled, "groups": names, "memberships": memberships}


def objects(s3: Any, prefix: str) -> dict[str, str]:
    """name relative to prefix -> SHA-256 of every object under prefix."""
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read()
            if obj["Key"].endswith("manifest.json"):  # keys in the manifest carry the prefix
                body = body.replace(prefix.encode(), b"<prefix>/")
            out[obj["Key"][len(prefix):]] = hashlib.sha256(body).hexdigest()
    return out


def read_jsonl(s3: Any, key: str) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()).splitlines()]


def read_json(s3: Any, key: str) -> Any:
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
