"""inventory.other_data: each bad entry is refused with a message naming its field (exit 2 through the CLI)."""
from __future__ import annotations

import pytest

from audit.cli import main
from audit.config import ConfigError, load_config

LOG_GROUP = {"id": "exporter-logs", "kind": "log-group", "name": "/aws/lambda/exporter", "protection": "excluded",
             "reason": "operational logs without personal data, kept 90 days"}


def problems_of(config_dir) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        load_config("example", config_dir)
    return caught.value.problems


def add(entry):
    return lambda c: c["inventory"]["other_data"].append(entry)


def bundled() -> int:
    """How many other_data entries the example environment lists (a new entry's index)."""
    return len(load_config("example").data["inventory"]["other_data"])


def test_other_data_is_required(edit_config):
    found = problems_of(edit_config("example", lambda c: c["inventory"].pop("other_data")))
    assert found == [("inventory.other_data", "missing required key")]


@pytest.mark.parametrize("change, field, words", [
    ({"protection": "aws-backup"}, "protection", "is not one of ['code', 'exporter', 'excluded']"),
    ({"kind": "dynamodb-table"}, "kind", "is not one of"),
    ({"reason": ""}, "reason", "does not have the expected form (one line of text"),
    ({"reason": "   "}, "reason", "has an empty reason"),
])
def test_bad_entry_names_the_field(edit_config, change, field, words):
    found = problems_of(edit_config("example", add({**LOG_GROUP, **change})))
    index = bundled()
    assert [f for f, _ in found] == [f"inventory.other_data[{index}].{field}"]
    assert words in found[0][1]


def test_an_entry_is_listed_once(edit_config):
    twice = edit_config("example", lambda c: c["inventory"]["other_data"].extend([LOG_GROUP, {**LOG_GROUP, "id": "again"}]))
    n = bundled()
    assert problems_of(twice) == [(f"inventory.other_data[{n + 1}].name", f"'/aws/lambda/exporter' repeats inventory.other_data[{n}]")]


def test_an_application_bucket_is_not_listed_again(edit_config, capsys):
    bucket = {"id": "docs", "kind": "s3-bucket", "name": "compact-connect-example-provider-users-111111111111",
              "protection": "excluded", "reason": "x"}
    config_dir = edit_config("example", add(bucket))
    found, n = problems_of(config_dir), bundled()
    assert found == [(f"inventory.other_data[{n}].name", "bucket 'compact-connect-example-provider-users-111111111111' is "
                                                         "already in inventory.s3_buckets: list it once")]
    assert main(["config", "validate", "--env", "example", "--config-dir", str(config_dir)]) == 2
    assert f"inventory.other_data[{n}].name" in capsys.readouterr().err


def test_other_data_kinds_are_the_persisted_types_the_inventory_does_not_list_elsewhere():
    """A persisted type added to audit.resource_types without its kind in the schema could never be listed,
    and COV-06 would fail every configuration; the two lists are one decision."""
    import json
    from pathlib import Path

    from audit.resource_types import PERSISTED_TYPES

    schema = json.loads((Path(__file__).resolve().parents[2] / "audit" / "config" / "schema.json").read_text())
    enum = set(schema["$defs"]["other_data"]["properties"]["kind"]["enum"])
    listed_elsewhere = {"dynamodb-table", "user-pool"}  # inventory.dynamodb_tables and inventory.cognito_user_pools
    assert enum == {kind for kind, _ in PERSISTED_TYPES.values()} - listed_elsewhere
