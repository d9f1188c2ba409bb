"""Fixtures of the live-source tests: moto in two accounts, the Backup fakes, the example config."""
from __future__ import annotations

import contextlib
import copy
import tempfile

import pytest

from audit.config import load_config

FAST_PACE = 10_000.0  # Backup List calls a second while reading worlds; the pacer has its own tests


@contextlib.contextmanager
def moto_accounts(mp: pytest.MonkeyPatch, *, fast: bool = True):
    """moto, with credentials and configuration that can never reach a real account."""
    from moto import mock_aws

    from audit.sources.live import aws as live_aws

    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        mp.delenv(name, raising=False)
    with tempfile.TemporaryDirectory() as empty:
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_CONFIG_FILE", f"{empty}/config")
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", f"{empty}/credentials")
        if fast:
            mp.setattr(live_aws, "BACKUP_LIST_CALLS_PER_SECOND", FAST_PACE)
        with mock_aws():
            yield


@pytest.fixture
def aws(monkeypatch):
    with moto_accounts(monkeypatch):
        yield


@pytest.fixture
def paced_aws(monkeypatch):
    """moto with the real pace of AWS Backup List calls."""
    with moto_accounts(monkeypatch, fast=False):
        yield


@pytest.fixture(scope="session")
def example_cfg():
    return load_config("example").data


@pytest.fixture
def cfg(example_cfg):
    return copy.deepcopy(example_cfg)


@pytest.fixture(scope="module")
def shared(example_cfg):
    """(world, snapshot): the example world read once, for the tests that only look at the snapshot."""
    from .fakes import build_world, read

    with pytest.MonkeyPatch.context() as mp, moto_accounts(mp):
        world = build_world(copy.deepcopy(example_cfg))
        return world, read(world)
