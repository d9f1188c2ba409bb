"""Every string of the configuration is checked on its WHOLE value (issue 11, section 3).

jsonschema matches ``pattern`` with ``re.search``, where ``$`` also matches before a trailing newline, and
``profiles.*`` had no pattern at all: a profile name holding a tab and a newline passed ``config validate``
and forged a line of the deployer's stack list. The schema is walked, so a string field added later is
covered without being listed here."""
from __future__ import annotations

import pytest

from audit.cli import main
from audit.config import problems
from audit.config.loader import field_path
from tests.config.schema_fields import full_example, get, instances, put, string_fields

FIELDS = list(string_fields())
LOCATIONS = sorted({location for _, location, _ in FIELDS})
SCHEMAS = {location: schema for _, location, schema in FIELDS}


def paths_of(data, location):
    """Every concrete path of ``data`` whose value the schema location checks."""
    return [path for template, at, _ in FIELDS if at == location for path in instances(data, template)]


# What a hostile value adds to a valid one: each reaches a shell line or a stack parameter.
HOSTILE = {
    "trailing newline": lambda v: v + "\n",
    "trailing CR LF": lambda v: v + "\r\n",
    "tab inside": lambda v: v[:1] + "\t" + v[1:],
    "NUL": lambda v: v + "\x00",
    "line separator": lambda v: v + "\u2028",
    "escape sequence": lambda v: "\x1b[2J" + v,
}


def named(found) -> list[str]:
    return [field for field, _ in found]


def test_the_walk_finds_the_fields_the_issue_names():
    templates = {template for template, _, _ in FIELDS}
    assert {("profiles", "environment"), ("profiles", "backup"), ("inventory", "dynamodb_tables", "[]", "table_name"),
            ("inventory", "cognito_user_pools", "[]", "user_pool_name"), ("monitoring", "alerts", "email", "[]"),
            ("roles", "break_glass_role_name"), ("inventory", "cognito_user_pools", "[]", "user_pool_id")} <= templates


@pytest.mark.parametrize("location", LOCATIONS)
def test_every_string_field_has_a_pattern_anchored_on_the_whole_value(location):
    schema = SCHEMAS[location]
    if "enum" in schema:
        return  # an enum is an exact value
    assert "pattern" in schema, f"{location}: a string field without a pattern admits control characters"
    assert schema["pattern"].startswith("^") and schema["pattern"].endswith("$"), schema["pattern"]


def test_the_test_configuration_is_valid_and_holds_every_string_field():
    data = full_example()
    assert problems(data, "example", for_audit=True) == []
    missing = [location for location in LOCATIONS if not paths_of(data, location)]
    assert missing == []


@pytest.mark.parametrize("location", LOCATIONS)
@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_every_string_field_refuses_a_valid_value_with_a_control_character_added(location, hostile):
    data = full_example()
    for path in paths_of(data, location):
        found = problems(put(data, path, HOSTILE[hostile](get(data, path))), "example")
        assert field_path(path) in named(found), (path, found)


@pytest.mark.parametrize("name", ["Staff users\n", "staff=users", "staff\tusers", "staff users\u00a0"])
def test_user_pool_name_refuses_equals_signs_and_line_breaks(name):
    """A pool name becomes a stack parameter value and a CloudFormation resource name."""
    data = full_example()
    found = problems(put(data, ("inventory", "cognito_user_pools", 0, "user_pool_name"), name), "example")
    assert named(found) == ["inventory.cognito_user_pools[0].user_pool_name"]


def test_unicode_letters_are_not_word_characters_of_a_name():
    """``\\w`` is read as ECMA-262 reads it (ASCII): IAM, Backup and DynamoDB names are ASCII."""
    data = full_example()
    found = problems(put(data, ("roles", "break_glass_role_name"), "Brèak-Glass"), "example")
    assert named(found) == ["roles.break_glass_role_name"]


def test_a_profile_name_holding_a_stack_line_is_refused_naming_the_field(edit_config, capsys):
    """The issue's injection: a tab and a newline in a profile name forged a line of 'retention stacks'."""
    forged = "compact-test\tcloudformation/x.yaml\nevil\tcompact-retention-test-evil\tenvironment"
    folder = edit_config("test", lambda c: c["profiles"].update(environment=forged))
    assert main(["config", "validate", "--env", "test", "--config-dir", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "profiles.environment: 'compact-test\\tcloudformation/x.yaml\\nevil" in err
    assert "an AWS CLI profile name" in err


def test_an_unknown_key_holding_a_newline_cannot_forge_a_line_of_the_message(edit_config, capsys):
    folder = edit_config("example", lambda c: c.update({"x\n  environment: fine": 1}))
    assert main(["config", "validate", "--env", "example", "--config-dir", str(folder)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[1].startswith("  ['x\\n  environment: fine']: unknown key") and len(lines) == 2

