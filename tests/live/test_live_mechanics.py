"""How the live source reads: the pacer of AWS Backup List calls, the two sides in parallel, API calls that
grow linearly with the protected resources, client configuration, failures that are not ClientErrors."""
from __future__ import annotations

import bisect
import copy
import random
import threading
import time
from collections import defaultdict

import pytest
from botocore.exceptions import EndpointConnectionError

from audit.sources.live.aws import Credentials, Pacer, Side, default_session

from .conftest import moto_accounts
from .fakes import BKP, BKP_REGION, ENV, ENV_REGION, FakeAws, build_world, read, role_arn, session_for


class FakeClock:
    """Seconds that move only when someone sleeps (or the test says so); integer ns inside, exact."""

    def __init__(self) -> None:
        self.ns = 0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.ns / 1e9

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.ns += round(seconds * 1e9)

    def advance(self, seconds: float) -> None:
        self.ns += round(seconds * 1e9)


def most_in_one_second(stamps: list[float], *, jitter: float = 0.0) -> int:
    """The most calls any half-open one-second window [t, t + 1 - jitter) holds."""
    stamps = sorted(stamps)
    return max((bisect.bisect_left(stamps, t + 1.0 - jitter) - i for i, t in enumerate(stamps)), default=0)


def paced(pacer: Pacer, clock: FakeClock, n: int, gaps=lambda i: 0.0) -> list[float]:
    stamps = []
    for i in range(n):
        clock.advance(gaps(i))
        pacer.acquire()
        stamps.append(clock.time())  # the call goes out now
    return stamps


# the pacer -------------------------------------------------------------------------------------------
def test_back_to_back_calls_are_spaced_to_20_a_second():
    clock = FakeClock()
    stamps = paced(Pacer(20, clock=clock.time, sleep=clock.sleep), clock, 200)
    assert most_in_one_second(stamps) == 20
    assert stamps[-1] == pytest.approx(199 / 20)  # and no slower than that
    assert stamps[:3] == [0.0, 0.05, 0.1]


def test_idle_time_does_not_bank_a_burst():
    clock = FakeClock()
    pacer = Pacer(20, clock=clock.time, sleep=clock.sleep)
    stamps = paced(pacer, clock, 30)
    clock.advance(60)
    stamps += paced(pacer, clock, 50)
    assert most_in_one_second(stamps) <= 20


def test_irregular_callers_never_exceed_20_a_second_and_never_wait_needlessly():
    rng = random.Random(7)
    clock = FakeClock()
    pacer = Pacer(20, clock=clock.time, sleep=clock.sleep)
    stamps = paced(pacer, clock, 2000, gaps=lambda i: rng.choice([0.0, 0.0, 0.01, 0.03, 0.07, 0.5]))
    assert most_in_one_second(stamps) <= 20
    clock2 = FakeClock()
    slow = paced(Pacer(20, clock=clock2.time, sleep=clock2.sleep), clock2, 50, gaps=lambda i: 0.06)
    assert clock2.sleeps == [] and len(slow) == 50  # callers slower than the pace never wait


def test_a_burst_is_a_token_bucket_of_that_size():
    clock = FakeClock()
    pacer = Pacer(20, burst=5, clock=clock.time, sleep=clock.sleep)
    assert [pacer.acquire() for _ in range(6)] == [0, 0, 0, 0, 0, pytest.approx(0.05)]


def test_concurrent_callers_each_get_their_own_slot():
    clock = FakeClock()  # frozen: nobody's sleep moves it, so every caller reserves against the same instant
    pacer = Pacer(20, clock=clock.time, sleep=lambda s: None)
    waits: list[float] = []
    lock = threading.Lock()

    def caller():
        for _ in range(25):
            wait = pacer.acquire()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=caller) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == pytest.approx([i * 0.05 for i in range(100)])


def test_only_backup_list_calls_are_paced(aws):
    clock = FakeClock()
    stamps: list[float] = []
    pacer = Pacer(20, clock=clock.time, sleep=clock.sleep)
    original = pacer.acquire

    def acquire():
        waited = original()
        stamps.append(clock.time())
        return waited

    pacer.acquire = acquire
    session = session_for(BKP, BKP_REGION)
    session.client("backup").create_backup_vault(BackupVaultName="v")
    side = Side("backup", BKP, BKP_REGION, session, pacer=pacer)
    for _ in range(45):
        side.pages("backup", "ListBackupVaults", "*")
        side.call("backup", "DescribeBackupVault", "v", BackupVaultName="v")
        side.call("kms", "ListKeys", "*")
    assert len(stamps) == 45 and most_in_one_second(stamps) == 20
    assert side.calls.counts == {"backup:ListBackupVaults": 45, "backup:DescribeBackupVault": 45, "kms:ListKeys": 45}


def test_a_real_read_keeps_each_side_under_20_backup_list_calls_a_second(paced_aws, cfg):
    world = build_world(cfg, FakeAws(page_size=1))  # one item a page: more than 20 List calls on each side
    stamps: dict[str, list[float]] = defaultdict(list)

    def timed_factory(credentials, *, region_name):
        session = default_session(credentials, region_name=region_name)
        account = credentials.role_arn.split(":")[4]

        def stamp(model, **_):  # after the source's pacer (registered first), before the fakes answer
            if model.service_model.service_name == "backup" and model.name.startswith("List"):
                stamps[account].append(time.monotonic())
        session.events.register("before-call", stamp)
        world.fake.install(session, account)
        return session

    world.factory = timed_factory
    live = read(world)
    assert len(stamps[ENV]) > 20 and len(stamps[BKP]) > 20
    assert sum(n for k, n in live["api_calls"].items() if k.startswith("backup:List")) == len(stamps[ENV]) + len(stamps[BKP])
    for account in (ENV, BKP):
        # stamped a few microseconds after the pacer lets each call go: allow 1 ms of that jitter
        assert most_in_one_second(stamps[account], jitter=0.001) <= 20


# the two sides ---------------------------------------------------------------------------------------
def test_the_two_sides_are_read_concurrently(aws, cfg):
    world = build_world(cfg)
    factory = world.factory
    delay = 1.0
    windows: dict[str, tuple[float, float]] = {}

    def slow_factory(credentials, *, region_name):
        session = factory(credentials, region_name=region_name)
        account = credentials.role_arn.split(":")[4]

        def slow(model, **_):
            if model.name == "ListBackupVaults":  # once per side
                start = time.monotonic()
                time.sleep(delay)
                windows[account] = (start, time.monotonic())
        session.events.register("before-call", slow)
        return session

    world.factory = slow_factory
    read(world)
    (env_start, env_end), (bkp_start, bkp_end) = windows[ENV], windows[BKP]
    # the two slow calls overlapped in time: the sides are read concurrently (a wall-time bound would only
    # add noise on a loaded machine; the overlap cannot happen in a sequential read)
    assert env_start < bkp_end and bkp_start < env_end


def test_a_failing_side_raises_after_both_finish(aws, cfg):
    from audit.sources.live.build import LiveSourceError

    world = build_world(cfg)
    factory = world.factory

    def broken(credentials, *, region_name):
        if BKP in credentials.role_arn:
            raise EndpointConnectionError(endpoint_url="https://sts.us-west-2.amazonaws.com")
        return factory(credentials, region_name=region_name)

    world.factory = broken
    with pytest.raises(LiveSourceError, match="backup account 222222222222: no session"):
        read(world)


# linear growth ---------------------------------------------------------------------------------------
def _calls_for(example_cfg, n: int) -> dict[str, int]:
    cfg = copy.deepcopy(example_cfg)
    cfg["inventory"]["dynamodb_tables"] = [{"id": f"t{i}", "table_name": f"scale-table-{i:03d}", "category": "critical_data"}
                                           for i in range(n)]
    with pytest.MonkeyPatch.context() as mp, moto_accounts(mp):
        world = build_world(cfg, full=False)
        live = read(world)
    assert len(live["tables"]) == n and len(live["recovery_points"]) == 2 * (n + 2)  # + the two protected buckets' points
    return live["api_calls"]


def test_api_calls_grow_by_a_constant_per_protected_resource(example_cfg):
    c10, c20, c30 = (_calls_for(example_cfg, n) for n in (10, 20, 30))
    ops = set(c10) | set(c20) | set(c30)
    step1 = {op: c20.get(op, 0) - c10.get(op, 0) for op in ops}
    step2 = {op: c30.get(op, 0) - c20.get(op, 0) for op in ops}
    assert step1 == step2  # linear: the same growth for each 10 more tables
    per_table = {op: d // 10 for op, d in step1.items() if d}
    assert all(d % 10 == 0 for d in step1.values())
    assert per_table == {"dynamodb:DescribeTable": 1, "dynamodb:DescribeContinuousBackups": 1,
                         "backup:ListRecoveryPointsByBackupVault": 4}  # 2 pages in the source vault, 2 in the copy vault
    assert sum(c30.values()) - sum(c10.values()) == 20 * sum(per_table.values())


# clients and failures --------------------------------------------------------------------------------
def test_clients_retry_adaptively_and_use_the_endpoint(aws):
    session = default_session(Credentials(role_arn=role_arn(ENV)), region_name=ENV_REGION)
    side = Side("environment", ENV, ENV_REGION, session, endpoint_url="http://127.0.0.1:4566")
    for service in ("backup", "kms", "s3", "iam", "dynamodb", "cognito-idp", "sts"):
        client = side.client(service)
        # Config(retries={"mode": "adaptive", "max_attempts": 10}): botocore keeps it as 10 retries, 11 attempts
        assert client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 11}
        assert client.meta.endpoint_url == "http://127.0.0.1:4566"
        assert client.meta.region_name == ENV_REGION
    assert side.client("s3").meta.config.s3 == {"addressing_style": "path"}
    assert side.client("kms", "eu-west-1").meta.region_name == "eu-west-1"  # a key of another region


def test_a_transport_failure_is_an_error_entry_not_a_crash(aws):
    session = session_for(ENV, ENV_REGION)

    def unreachable(model, **_):
        if model.name == "GetKeyPolicy":
            raise EndpointConnectionError(endpoint_url="https://kms.us-east-1.amazonaws.com")
    session.events.register("before-call", unreachable)
    side = Side("environment", ENV, ENV_REGION, session)
    key = session.client("kms").create_key()["KeyMetadata"]["Arn"]
    from audit.sources.live.read import read_keys

    (found,) = read_keys(side, [key])
    assert found["policy"] is None and found["rotation_enabled"] is False
    assert side.errors == [{"account_id": ENV, "region": ENV_REGION, "api": "kms:GetKeyPolicy", "resource": key,
                            "error": "EndpointConnectionError", "missing_permission": None}]
