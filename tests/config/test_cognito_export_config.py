"""``cognito_export.expire_after_days``: how long the export bucket keeps each daily export (personal data).

The backups keep the history for the export retention, so the bucket may keep an export at most that long;
`retention config validate` refuses anything else with exit 2, naming the field."""
from __future__ import annotations

import pytest

from audit.cli import main
from audit.config import ConfigError, load_config
from audit.deployment import stack_plan

FIELD = "cognito_export.expire_after_days"


def problems_of(config_dir) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        load_config("example", config_dir)
    return caught.value.problems


def test_the_configured_age_reaches_the_exporter_template():
    cfg = load_config("example").data
    exporter = next(s for s in stack_plan(cfg) if s.key == "cognito-exporter")
    assert exporter.parameters["ExportExpirationDays"] == cfg["cognito_export"]["expire_after_days"]
    assert cfg["cognito_export"]["expire_after_days"] <= cfg["backup_policies"]["export_data"]["retention_days"]


def test_an_age_longer_than_the_export_retention_is_refused(edit_config, capsys):
    folder = edit_config("example", lambda c: c.update(cognito_export={"expire_after_days": 366}))
    found = problems_of(folder)
    assert [field for field, _ in found] == [FIELD]
    assert "366 days is longer than the export retention" in found[0][1]
    assert "backup_policies.export_data.retention_days = 365" in found[0][1]
    assert main(["config", "validate", "--env", "example", "--config-dir", str(folder)]) == 2
    assert FIELD in capsys.readouterr().err


def test_the_retention_is_the_one_of_the_export_buckets_category(edit_config):
    """Shortening the export category's retention below the configured age is caught too."""
    def mutate(c):
        policy = c["backup_policies"]["export_data"]
        policy["retention_days"] = policy.setdefault("lifecycle", {})["delete_after_days"] = 5
        c["cognito_export"] = {"expire_after_days": 6}

    assert [field for field, _ in problems_of(edit_config("example", mutate))] == [FIELD]


def test_an_age_equal_to_the_export_retention_is_accepted(edit_config):
    load_config("example", edit_config("example", lambda c: c.update(cognito_export={"expire_after_days": 365})))


@pytest.mark.parametrize("value", [0, -1, "7", 7.5, 7.0, True, None, 36501])
def test_an_age_that_is_not_a_whole_positive_number_of_days_is_refused(edit_config, value):
    found = problems_of(edit_config("example", lambda c: c.update(cognito_export={"expire_after_days": value})))
    assert [field for field, _ in found] == [FIELD]


def test_the_field_is_required(edit_config):
    found = problems_of(edit_config("defaults", lambda c: c.pop("cognito_export")))
    assert found == [("cognito_export", "missing required key")]
