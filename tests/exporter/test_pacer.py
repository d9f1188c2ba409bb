from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from exporter.pacer import Pacer, TokenBucket

from .conftest import FakeClock


def test_token_bucket_holds_the_budget():
    clock = FakeClock()
    bucket = TokenBucket(10.0, clock=clock, sleep=clock.sleep)
    for _ in range(101):
        bucket.acquire()
    assert clock.now == pytest.approx(9.1, abs=0.01)  # first 10 from the burst, then 10 per second


def test_pacer_retries_throttling_then_gives_up():
    clock = FakeClock()
    pacer = Pacer(100.0, clock=clock, sleep=clock.sleep, max_attempts=4)
    attempts = []

    def flaky(**kw):
        attempts.append(kw)
        if len(attempts) < 3:
            raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "x"}}, "ListUsers")
        return "page"

    assert pacer.call(flaky, UserPoolId="p") == "page" and len(attempts) == 3 and pacer.throttled == 2

    def always(**kw):
        raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "x"}}, "ListUsers")

    with pytest.raises(ClientError):
        pacer.call(always)

    def other(**kw):
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "x"}}, "ListUsers")

    calls_before = pacer.calls["other"]
    with pytest.raises(ClientError):
        pacer.call(other)
    assert pacer.calls["other"] == calls_before + 1


def test_rejects_zero_budget():
    with pytest.raises(ValueError):
        TokenBucket(0)
