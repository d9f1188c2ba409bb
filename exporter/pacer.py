"""Request pacing for Cognito: a token bucket plus the exporter's own throttling retry.

Every Cognito call goes through :class:`Pacer.call`. The bucket keeps the exporter at ``budget_per_second``
(default 10/s, a third of the shared 30/s ListUsers + ListUsersInGroup quota). Build every client with
``CLIENT_CONFIG`` (botocore's adaptive retries, 10 attempts) so botocore retries and slows down first; a
``TooManyRequestsException`` that still escapes is retried here with exponential backoff, so no page is lost.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any, Callable

from botocore.config import Config
from botocore.exceptions import ClientError

LOG = logging.getLogger(__name__)
THROTTLE_CODES = {"TooManyRequestsException", "ThrottlingException", "Throttling", "RequestLimitExceeded"}

CLIENT_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 10})


class TokenBucket:
    def __init__(self, rate: float, *, burst: float | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        if rate <= 0:
            raise ValueError("budget_per_second must be positive")
        self.rate = float(rate)
        self.capacity = float(burst if burst is not None else max(1.0, rate))
        self.clock, self.sleep = clock, sleep
        self.tokens = self.capacity
        self.stamp = clock()

    def acquire(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return
        wait = (1.0 - self.tokens) / self.rate
        self.sleep(wait)
        # the token that accrued while sleeping is spent now (no re-check: float rounding could spin)
        self.tokens = 0.0
        self.stamp = max(self.clock(), now + wait)


def is_throttle(error: BaseException) -> bool:
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in THROTTLE_CODES


class Pacer:
    """Paces and counts calls; retries throttling errors with capped exponential backoff."""

    def __init__(self, budget_per_second: float = 10.0, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, max_attempts: int = 8,
                 base_delay: float = 0.5, max_delay: float = 20.0):
        self.bucket = TokenBucket(budget_per_second, clock=clock, sleep=sleep)
        self.sleep = sleep
        self.max_attempts, self.base_delay, self.max_delay = max_attempts, base_delay, max_delay
        self.calls: Counter[str] = Counter()
        self.throttled = 0

    def call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        name = getattr(method, "__name__", "call")
        for attempt in range(1, self.max_attempts + 1):
            self.bucket.acquire()
            self.calls[name] += 1
            try:
                return method(**kwargs)
            except ClientError as error:
                if not is_throttle(error) or attempt == self.max_attempts:
                    raise
                self.throttled += 1
                delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
                LOG.warning("cognito %s throttled (attempt %d), retrying in %.1f s", name, attempt, delay)
                self.sleep(delay)
        raise AssertionError("unreachable")
