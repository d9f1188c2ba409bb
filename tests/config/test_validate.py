"""`retention config validate`: each bad input is rejected with a message naming the field (exit 2);
the four bundled environments are accepted."""
from __future__ import annotations

import pytest

from audit.cli import main
from audit.config import ConfigError, list_environments, load_config


def problems_of(config_dir, env="example") -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        load_config(env, config_dir)
    return caught.value.problems


def fields(found) -> list[str]:
    return [field for field, _ in found]


def test_bundled_environments_are_valid():
    envs = list_environments()
    assert envs == ["beta", "example", "prod", "test"]
    for env in envs:
        assert load_config(env).data["environment"] == env


def test_cli_accepts_all_bundled_environments(capsys):
    assert main(["config", "validate", "--env", "all"]) == 0
    assert capsys.readouterr().out.count(": valid") == 4


def test_unknown_top_level_key(edit_config):
    found = problems_of(edit_config("example", lambda c: c.update(retention_years=7)))
    assert fields(found) == ["retention_years"]
    assert "unknown key" in found[0][1]


def test_unknown_nested_key_names_its_path(edit_config):
    def mutate(c):
        c["backup_policies"]["critical_data"]["lifecycle"] = {"cold_storage_days": 30, "delete_after_days": 2555, "cold_days": 1}

    found = problems_of(edit_config("example", mutate))
    assert ("backup_policies.critical_data.lifecycle.cold_days", found[0][1]) in found


def test_missing_key(edit_config):
    found = problems_of(edit_config("example", lambda c: c.pop("organization_id")))
    assert found == [("organization_id", "missing required key")]


def test_missing_key_in_defaults_is_reported_on_the_merged_path(edit_config):
    found = problems_of(edit_config("defaults", lambda c: c["backup_policies"]["export_data"].pop("schedule")))
    assert fields(found) == ["backup_policies.export_data.schedule"]


@pytest.mark.parametrize("value", ["12345678901", "1111111111112", "abcdefghijkl", 111111111111])
def test_bad_account_id(edit_config, value):
    found = problems_of(edit_config("example", lambda c: c.update(environment_account_id=value)))
    assert fields(found) == ["environment_account_id"]


def test_same_account_for_environment_and_backup(edit_config):
    def mutate(c):
        c["backup_account_id"] = c["environment_account_id"]
        for policy in c["backup_policies"].values():
            policy["cross_account_vault_arn"] = policy["cross_account_vault_arn"].replace("222222222222", "111111111111")

    found = problems_of(edit_config("example", mutate))
    assert fields(found) == ["backup_account_id"]


def test_backup_region_equal_to_primary_region(edit_config):
    def mutate(c):
        c["backup_region"] = "us-east-1"
        for policy in c["backup_policies"].values():
            policy["cross_account_vault_arn"] = policy["cross_account_vault_arn"].replace("us-west-2", "us-east-1")

    found = problems_of(edit_config("example", mutate))
    assert fields(found) == ["backup_region"]
    assert "must differ from primary_region" in found[0][1]


def test_vault_arn_in_another_account(edit_config):
    def mutate(c):
        arn = c["backup_policies"]["critical_data"]["cross_account_vault_arn"]
        c["backup_policies"]["critical_data"]["cross_account_vault_arn"] = arn.replace("222222222222", "999999999999")

    found = problems_of(edit_config("example", mutate))
    assert found == [("backup_policies.critical_data.cross_account_vault_arn",
                      "account 999999999999 is not backup_account_id (222222222222)")]


def test_vault_arn_in_another_region(edit_config):
    def mutate(c):
        arn = c["backup_policies"]["ssn_data"]["cross_account_vault_arn"]
        c["backup_policies"]["ssn_data"]["cross_account_vault_arn"] = arn.replace("us-west-2", "us-east-1")

    found = problems_of(edit_config("example", mutate))
    assert found == [("backup_policies.ssn_data.cross_account_vault_arn", "region us-east-1 is not backup_region (us-west-2)")]


def test_ssn_category_copying_into_the_general_vault(edit_config):
    def mutate(c):
        c["backup_policies"]["ssn_data"]["cross_account_vault_arn"] = c["backup_policies"]["critical_data"]["cross_account_vault_arn"]

    found = problems_of(edit_config("example", mutate))
    assert fields(found) == ["backup_policies.ssn_data.cross_account_vault_arn"]
    assert "dedicated SSN vault" in found[0][1]


def test_vault_arn_that_is_not_an_arn(edit_config):
    found = problems_of(edit_config(
        "example", lambda c: c["backup_policies"]["export_data"].update(cross_account_vault_arn="CompactConnectBackupVault")))
    assert fields(found) == ["backup_policies.export_data.cross_account_vault_arn"]
    assert "is not an ARN" in found[0][1]


def test_delete_before_cold_plus_90(edit_config):
    def mutate(c):
        c["backup_policies"]["critical_data"].update(retention_days=100, lifecycle={"cold_storage_days": 30, "delete_after_days": 100})

    found = problems_of(edit_config("example", mutate))
    assert found == [("backup_policies.critical_data.lifecycle.delete_after_days",
                      "100 is less than cold_storage_days (30) + 90, which AWS rejects")]


def test_delete_exactly_cold_plus_90_is_accepted(edit_config):
    def mutate(c):
        c["backup_policies"]["critical_data"].update(retention_days=120, lifecycle={"cold_storage_days": 30, "delete_after_days": 120})

    assert load_config("example", edit_config("example", mutate)).data["backup_policies"]["critical_data"]["retention_days"] == 120


def test_retention_days_disagreeing_with_lifecycle(edit_config):
    found = problems_of(edit_config("example", lambda c: c["backup_policies"]["critical_data"].update(retention_days=3650)))
    assert fields(found) == ["backup_policies.critical_data.retention_days"]


@pytest.mark.parametrize("expression", ["cron(0 2 * * * *)", "cron(0 25 * * ? *)", "cron(0 2 * *)", "daily", "rate(1 days)", "0 2 * * ? *"])
def test_invalid_schedule(edit_config, expression):
    found = problems_of(edit_config("example", lambda c: c["backup_policies"]["critical_data"].update(schedule=expression)))
    assert fields(found) == ["backup_policies.critical_data.schedule"]
    assert expression in found[0][1]


@pytest.mark.parametrize("expression,gap", [("cron(0 2 ? * SUN *)", "168"), ("cron(0 2 1 * ? *)", "744"), ("rate(2 days)", "48"),
                                            ("cron(0 2 ? * MON-FRI *)", "72")])
def test_schedule_less_often_than_daily(edit_config, expression, gap):
    found = problems_of(edit_config("example", lambda c: c["backup_policies"]["ssn_data"].update(schedule=expression)))
    assert fields(found) == ["backup_policies.ssn_data.schedule"]
    assert f"gaps of up to {gap} h" in found[0][1] and "RPO of 24 h" in found[0][1]


def test_schedule_that_stops_running(edit_config):
    found = problems_of(edit_config("example", lambda c: c["backup_policies"]["ssn_data"].update(schedule="cron(0 2 * * ? 2020)")))
    assert fields(found) == ["backup_policies.ssn_data.schedule"]


def test_schedule_more_often_than_hourly(edit_config):
    found = problems_of(edit_config("example", lambda c: c["backup_policies"]["critical_data"].update(schedule="cron(0/30 * * * ? *)")))
    assert "more often than hourly" in found[0][1]


def test_twice_daily_and_rate_schedules_are_accepted(edit_config):
    def mutate(c):
        c["backup_policies"]["critical_data"]["schedule"] = "cron(0 2,14 * * ? *)"
        c["backup_policies"]["export_data"]["schedule"] = "rate(1 day)"

    assert load_config("example", edit_config("example", mutate))


def test_inventory_entry_with_unknown_category(edit_config):
    found = problems_of(edit_config("example", lambda c: c["inventory"]["dynamodb_tables"][0].update(category="critical")))
    assert fields(found) == ["inventory.dynamodb_tables[0].category"]
    assert "unknown category 'critical'" in found[0][1]


def test_table_marked_excluded(edit_config):
    def mutate(c):
        c["inventory"]["dynamodb_tables"][3].update(excluded=True, exclusion_reason="cheap to rebuild")

    found = problems_of(edit_config("example", mutate))
    assert fields(found) == ["inventory.dynamodb_tables[3].excluded"]
    assert "cannot be excluded" in found[0][1]


def test_excluded_bucket_without_reason(edit_config):
    found = problems_of(edit_config("example", lambda c: c["inventory"]["s3_buckets"][2].pop("exclusion_reason")))
    assert fields(found) == ["inventory.s3_buckets[2].exclusion_reason"]


def test_protected_bucket_without_category(edit_config):
    found = problems_of(edit_config("example", lambda c: c["inventory"]["s3_buckets"][0].pop("category")))
    assert fields(found) == ["inventory.s3_buckets[0].category"]


def test_bucket_in_the_ssn_category(edit_config):
    found = problems_of(edit_config("example", lambda c: c["inventory"]["s3_buckets"][0].update(category="ssn_data")))
    assert fields(found) == ["inventory.s3_buckets[0].category"]


def test_duplicate_inventory_ids(edit_config):
    found = problems_of(edit_config("example", lambda c: c["inventory"]["dynamodb_tables"][1].update(id="provider")))
    assert fields(found) == ["inventory.dynamodb_tables[1].id"]


def test_general_category_claiming_a_dedicated_vault(edit_config):
    found = problems_of(edit_config("example", lambda c: c["backup_policies"]["critical_data"].update(dedicated_vault=True)))
    assert "backup_policies.critical_data.dedicated_vault" in fields(found)


def test_user_pool_in_another_region(edit_config):
    found = problems_of(edit_config(
        "example", lambda c: c["inventory"]["cognito_user_pools"][0].update(user_pool_id="eu-west-1_AbCdEf123")))
    assert fields(found) == ["inventory.cognito_user_pools[0].user_pool_id"]


def test_environment_name_must_match_file(edit_config):
    found = problems_of(edit_config("example", lambda c: c.update(environment="prod")))
    assert found == [("environment", "'prod' does not match the file name (example.json)")]


def test_every_problem_is_reported_not_only_the_first(edit_config):
    def mutate(c):
        c["backup_policies"]["critical_data"]["schedule"] = "cron(0 2 ? * SUN *)"
        c["inventory"]["dynamodb_tables"][0]["category"] = "nope"

    assert set(fields(problems_of(edit_config("example", mutate)))) == {
        "backup_policies.critical_data.schedule", "inventory.dynamodb_tables[0].category"}


def test_invalid_json_names_the_line(config_dir):
    (config_dir / "example.json").write_text('{\n  "environment": "example",\n  oops\n}\n')
    with pytest.raises(ConfigError) as caught:
        load_config("example", config_dir)
    assert "example.json:3:" in caught.value.source


def test_cli_exits_2_and_names_the_field(edit_config, capsys):
    folder = edit_config("example", lambda c: c["backup_policies"]["critical_data"].update(schedule="cron(0 2 ? * SUN *)"))
    assert main(["config", "validate", "--env", "example", "--config-dir", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "backup_policies.critical_data.schedule" in err and "example.json" in err


def test_cli_unknown_environment(capsys):
    assert main(["config", "validate", "--env", "staging"]) == 2
    err = capsys.readouterr().err
    assert "no environment 'staging'" in err and "example" in err


def test_cli_bad_arguments_exit_2(capsys):
    assert main(["config", "validate"]) == 2
    assert "--env" in capsys.readouterr().err
