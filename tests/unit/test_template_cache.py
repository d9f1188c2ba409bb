"""The decoded-template cache gives the resolver exactly what cfn-lint's decoder gives, lines included,
and a damaged cache entry is ignored rather than trusted."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.templates import load_template, resolve_template

TEMPLATE = Path(__file__).resolve().parents[2] / "cloudformation" / "backup-plan.yaml"
PARAMS = {"EnvironmentName": "example", "Category": "ssn_data", "ScheduleExpression": "cron(0 2 * * ? *)",
          "StartWindowMinutes": 60, "CompletionWindowMinutes": 240, "DeleteAfterDays": 2555, "ColdStorageDays": 30,
          "LocalVaultName": "v", "BackupRoleArn": "arn:aws:iam::111111111111:role/r",
          "DestinationVaultArn": "arn:aws:backup:us-west-2:222222222222:backup-vault:v", "ResourceArns": ["a", "b"]}


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def resolved(template):
    return resolve_template(template, parameters=PARAMS, account_id="111111111111", region="us-east-1", stack_name="s")


def test_cold_and_warm_loads_resolve_identically(empty_cache):
    cold = load_template(TEMPLATE)
    assert len(list(empty_cache.glob("*.json"))) == 1
    warm = load_template(TEMPLATE)
    assert type(warm).__module__ == "audit.templates.cache"  # really from the cache
    a, b = resolved(cold), resolved(warm)
    assert a.resources == b.resources and a.outputs == b.outputs
    assert a.lines == b.lines and a.lines["BackupPlan"] > 1


def test_a_changed_template_is_decoded_again(empty_cache, tmp_path):
    copy = tmp_path / "plan.yaml"
    copy.write_text(TEMPLATE.read_text())
    load_template(copy)
    copy.write_text(TEMPLATE.read_text().replace("${Category}-daily", "${Category}-nightly"))
    rule = resolved(load_template(copy)).resources["BackupPlan"]["Properties"]["BackupPlan"]["BackupPlanRule"][0]
    assert rule["RuleName"] == "ssn_data-nightly"
    assert len(list(empty_cache.glob("*.json"))) == 2


def test_a_damaged_cache_entry_is_ignored(empty_cache):
    load_template(TEMPLATE)
    (entry,) = empty_cache.glob("*.json")
    entry.write_text(json.dumps({"d": [["Resources", {"oops": 1}]], "l": 0})[:20])
    again = load_template(TEMPLATE)
    assert "BackupPlan" in again["Resources"]
