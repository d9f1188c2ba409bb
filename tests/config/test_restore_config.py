"""The restore settings of each backup category (issue 12): ``rto_hours`` (restore-time objective),
``restore_test_every_days`` (restore-test cadence) and ``point_in_time_recovery_days`` (the DynamoDB
point-in-time recovery window of the category's tables).

Each is a whole number in its range, `retention config validate` refuses anything else with exit 2 naming
the field; SSN data (the category with a dedicated vault) is never restore-tested automatically, so a
cadence there is refused; a category holding tables must set their window, which reaches every table of
the category as a template parameter."""
from __future__ import annotations

import pytest

from audit.cli import main
from audit.config import ConfigError, load_config
from audit.deployment import find_stack, stack_plan

RANGES = {"rto_hours": (1, 168), "restore_test_every_days": (1, 7), "point_in_time_recovery_days": (1, 35)}


def problems_of(config_dir) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        load_config("example", config_dir)
    return caught.value.problems


def fields(found) -> list[str]:
    return [field for field, _ in found]


def general_category(cfg) -> str:
    """A category without a dedicated vault that holds a DynamoDB table: it carries all three settings."""
    policies = cfg["backup_policies"]
    return next(t["category"] for t in cfg["inventory"]["dynamodb_tables"] if not policies[t["category"]]["dedicated_vault"])


def dedicated_category(cfg) -> str:
    return next(c for c, p in cfg["backup_policies"].items() if p["dedicated_vault"])


def set_policy(category: str, **values):
    def mutate(c):
        c["backup_policies"].setdefault(category, {}).update(values)
    return mutate


def test_every_bundled_category_has_what_its_kind_needs():
    """Every category has an RTO; every category but the dedicated one a cadence; every category holding a
    table a window (the rules below, seen through the bundled defaults)."""
    cfg = load_config("example").data
    with_tables = {t["category"] for t in cfg["inventory"]["dynamodb_tables"]}
    for category, policy in cfg["backup_policies"].items():
        assert policy["rto_hours"] >= 1
        assert ("restore_test_every_days" in policy) is (not policy["dedicated_vault"]), category
        if category in with_tables:
            assert 1 <= policy["point_in_time_recovery_days"] <= 35


@pytest.mark.parametrize("field", sorted(RANGES))
@pytest.mark.parametrize("bound", ["below", "above", "text", "fraction", "boolean"])
def test_a_value_outside_its_range_or_not_a_whole_number_is_refused_naming_the_field(edit_config, capsys, field, bound):
    low, high = RANGES[field]
    value = {"below": low - 1, "above": high + 1, "text": str(low), "fraction": low + 0.5, "boolean": True}[bound]
    category = general_category(load_config("example").data)
    folder = edit_config("example", set_policy(category, **{field: value}))
    assert fields(problems_of(folder)) == [f"backup_policies.{category}.{field}"]
    assert main(["config", "validate", "--env", "example", "--config-dir", str(folder)]) == 2
    assert f"backup_policies.{category}.{field}" in capsys.readouterr().err


@pytest.mark.parametrize("field", sorted(RANGES))
def test_both_ends_of_each_range_are_accepted(edit_config, field):
    category = general_category(load_config("example").data)
    for value in RANGES[field]:
        assert load_config("example", edit_config("example", set_policy(category, **{field: value}))).data[
            "backup_policies"][category][field] == value


def test_the_rto_is_required(edit_config):
    category = general_category(load_config("example").data)
    found = problems_of(edit_config("defaults", lambda c: c["backup_policies"][category].pop("rto_hours")))
    assert found == [(f"backup_policies.{category}.rto_hours", "missing required key")]


def test_a_cadence_on_the_dedicated_category_is_refused_naming_the_break_glass(edit_config):
    """Its vaults are denied to the restore testing; a cadence would promise tests that never run."""
    category = dedicated_category(load_config("example").data)
    found = problems_of(edit_config("example", set_policy(category, restore_test_every_days=7)))
    assert fields(found) == [f"backup_policies.{category}.restore_test_every_days"]
    assert "break-glass" in found[0][1]


def test_a_general_category_without_a_cadence_is_refused(edit_config):
    category = general_category(load_config("example").data)
    found = problems_of(edit_config("defaults", lambda c: c["backup_policies"][category].pop("restore_test_every_days")))
    assert fields(found) == [f"backup_policies.{category}.restore_test_every_days"]
    assert found[0][1].startswith("missing")


def test_a_category_holding_tables_without_a_window_is_refused_naming_its_tables(edit_config):
    cfg = load_config("example").data
    category = dedicated_category(cfg)
    found = problems_of(edit_config("defaults", lambda c: c["backup_policies"][category].pop("point_in_time_recovery_days")))
    assert fields(found) == [f"backup_policies.{category}.point_in_time_recovery_days"]
    for table in cfg["inventory"]["dynamodb_tables"]:
        assert (table["id"] in found[0][1]) is (table["category"] == category)


def test_a_category_with_buckets_only_needs_no_window(edit_config):
    cfg = load_config("example").data
    with_tables = {t["category"] for t in cfg["inventory"]["dynamodb_tables"]}
    bucket_only = [c for c in cfg["backup_policies"] if c not in with_tables]
    assert bucket_only

    def mutate(c):
        for category in bucket_only:
            c["backup_policies"][category].pop("point_in_time_recovery_days", None)
    load_config("example", edit_config("defaults", mutate))


def test_each_table_gets_its_categorys_window_as_a_template_parameter(edit_config):
    """The window reaches the sample application's PointInTimeRecoverySpecification through one parameter
    per table, from the table's category; changing one category changes exactly its tables."""
    cfg = load_config("example").data
    category = general_category(cfg)
    folder = edit_config("example", set_policy(category, point_in_time_recovery_days=9))
    changed = load_config("example", folder).data
    parameters = find_stack(stack_plan(changed, include_demo=True), "sample-application").parameters
    for table in changed["inventory"]["dynamodb_tables"]:
        key = "".join(part.capitalize() for part in table["id"].split("-")) + "TableRecoveryPeriodInDays"
        expected = 9 if table["category"] == category else changed["backup_policies"][table["category"]]["point_in_time_recovery_days"]
        assert parameters[key] == expected, key
