"""Benchmark: the Cognito exporter on 1k, 10k and 100k users in several groups.

Uses an in-memory FAKE Cognito and S3 client (moto needs minutes just to create 100k users): users and
group memberships are generated from their index page by page (the fake holds no user list, so
tracemalloc measures the exporter, not the fake), and the fake S3 keeps only JSON objects' bodies
(it hashes and drops the chunks). The request pacer runs on a virtual clock: "API time at budget" is the
time the Cognito calls would take at the configured budget; "wall" is the exporter's own CPU/wall time.

Prints per size: Cognito calls per 1,000 users (ListUsers, group pages), wall time, peak traced memory,
and the projection for 1,000,000 users at the budget next to the quota floor (16,667 pages / 30 per s).
Run: .venv/bin/python bench/exporter.py [--budget 10]
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import math
import sys
import time
import tracemalloc
from pathlib import Path

from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from exporter.export import export_pool  # noqa: E402
from exporter.pacer import Pacer  # noqa: E402

STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
HEADER = ["name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile",
          "picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale",
          "phone_number", "phone_number_verified", "address", "updated_at", "custom:licensee",
          "cognito:mfa_enabled", "cognito:username"]
GROUPS = 10  # user i is in group g<i % 10>, and every third user also in "staff"


class FakeCognito:
    def __init__(self, users: int):
        self.n = users

    def _user(self, i: int) -> dict:
        return {"Username": f"user-{i:07d}", "Enabled": i % 10 != 0, "UserStatus": "CONFIRMED",
                "UserCreateDate": STAMP, "UserLastModifiedDate": STAMP, "MFAOptions": [],
                "Attributes": [{"Name": "sub", "Value": f"{i:08x}-0000-4000-8000-000000000000"},
                               {"Name": "email", "Value": f"user{i}@example.org"},
                               {"Name": "email_verified", "Value": "true"},
                               {"Name": "given_name", "Value": f"Given{i}"},
                               {"Name": "custom:licensee", "Value": f"LIC-{i:07d}"}]}

    def describe_user_pool(self, UserPoolId):
        return {"UserPool": {"Id": UserPoolId, "Name": "bench", "MfaConfiguration": "OFF",
                             "SchemaAttributes": [{"Name": "custom:licensee", "AttributeDataType": "String"}]}}

    def get_user_pool_mfa_config(self, UserPoolId):
        return {"MfaConfiguration": "OFF"}

    def get_csv_header(self, UserPoolId):
        return {"UserPoolId": UserPoolId, "CSVHeader": HEADER}

    def list_groups(self, UserPoolId, Limit, NextToken=None):
        names = [f"g{k}" for k in range(GROUPS)] + ["staff"]
        return {"Groups": [{"GroupName": g, "Precedence": i, "Description": g} for i, g in enumerate(names)]}

    def list_users(self, UserPoolId, Limit, PaginationToken=None):
        assert Limit <= 60
        start = int(PaginationToken or 0)
        end = min(self.n, start + Limit)
        return {"Users": [self._user(i) for i in range(start, end)],
                **({"PaginationToken": str(end)} if end < self.n else {})}

    def list_users_in_group(self, UserPoolId, GroupName, Limit, NextToken=None):
        assert Limit <= 60
        members = range(0, self.n, 3) if GroupName == "staff" else range(int(GroupName[1:]), self.n, GROUPS)
        start = int(NextToken or 0)
        end = min(len(members), start + Limit)
        return {"Users": [self._user(members[j]) for j in range(start, end)],
                **({"NextToken": str(end)} if end < len(members) else {})}


class FakeS3:
    def __init__(self):
        self.small: dict[str, bytes] = {}
        self.sizes: dict[str, int] = {}

    def put_object(self, Bucket, Key, Body, ContentType=None):
        hashlib.sha256(Body).digest()
        self.sizes[Key] = len(Body)
        if Key.endswith(".json"):
            self.small[Key] = Body

    def _missing(self, op):
        return ClientError({"Error": {"Code": "NoSuchKey", "Message": "missing"}}, op)

    def head_object(self, Bucket, Key):
        if Key not in self.sizes:
            raise ClientError({"Error": {"Code": "404", "Message": "Not Found"}}, "HeadObject")

    def get_object(self, Bucket, Key):
        if Key not in self.small:
            raise self._missing("GetObject")
        import io
        return {"Body": io.BytesIO(self.small[Key])}

    def delete_object(self, Bucket, Key):
        self.sizes.pop(Key, None)
        self.small.pop(Key, None)


class VirtualClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def run(users: int, budget: float) -> dict:
    cognito, s3, clock = FakeCognito(users), FakeS3(), VirtualClock()
    pacer = Pacer(budget, clock=clock, sleep=clock.sleep)
    tracemalloc.start()
    start = time.perf_counter()
    result = export_pool(cognito, s3, pool_id="us-east-1_bench", bucket="b", day="2026-01-01", pacer=pacer,
                         clock=clock, sleep=clock.sleep, checkpoint_interval=0)
    wall = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.complete and result.counts["users"] == users
    calls = pacer.calls
    return {"users": users, "calls": sum(calls.values()), "list_users": calls["list_users"],
            "group_pages": calls["list_groups"] + calls["list_users_in_group"], "memberships": result.counts["memberships"],
            "wall": wall, "peak": peak, "api_time": clock.now, "objects": len(s3.sizes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=10.0)
    args = parser.parse_args()
    print(f"fake in-memory Cognito + S3 (not moto); {GROUPS} groups + 'staff' (1/3 of users), "
          f"budget {args.budget:g} requests/s on a virtual clock")
    print(f"{'users':>8} {'calls':>7} {'ListUsers/1k':>12} {'group pages/1k':>14} {'all/1k':>7} "
          f"{'memberships':>11} {'objects':>7} {'wall s':>7} {'peak MiB':>8} {'API time at budget':>18}")
    rows = []
    for users in (1_000, 10_000, 100_000):
        r = run(users, args.budget)
        rows.append(r)
        k = users / 1000
        print(f"{users:>8} {r['calls']:>7} {r['list_users'] / k:>12.2f} {r['group_pages'] / k:>14.2f} "
              f"{r['calls'] / k:>7.2f} {r['memberships']:>11} {r['objects']:>7} {r['wall']:>7.2f} "
              f"{r['peak'] / 2**20:>8.2f} {r['api_time']:>16.0f} s", flush=True)
    ratio = rows[2]["peak"] / rows[1]["peak"]
    print(f"peak memory 100k / 10k: {ratio:.2f} (target <= 1.2)")
    big = rows[2]
    per_user = big["calls"] / big["users"]
    million_calls = per_user * 1_000_000
    at_budget = million_calls / args.budget
    floor = math.ceil(1_000_000 / 60) / 30
    print(f"1,000,000 users (same group shape): ~{million_calls:,.0f} Cognito calls "
          f"({math.ceil(1_000_000 / 60):,} ListUsers pages) -> {at_budget:,.0f} s ({at_budget / 60:.1f} min) at "
          f"{args.budget:g}/s; quota floor for ListUsers alone {floor:,.0f} s at 30/s; ListUsers alone at "
          f"{args.budget:g}/s {math.ceil(1_000_000 / 60) / args.budget:,.0f} s; "
          f"Lambda runs of 900 s (60 s reserve): {math.ceil(at_budget / 840)} "
          f"(+ {big['wall'] * 10:,.0f} s of exporter CPU)")


if __name__ == "__main__":
    main()
