"""The two roles the restore drill uses (issue 12), named by the configuration like the other roles:
``roles.cognito_import_role_name`` (the CloudWatch Logs role of Cognito user import jobs,
cloudformation/cognito-exporter.yaml) and ``roles.copy_back_role_name`` (the backup account's role AWS Backup
copies back with, cloudformation/backup-account.yaml). Each is an IAM role name (1-64 of letters, digits and
``_+=,.@-``: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html), required, and distinct
from every other configured role name (IAM names are case-insensitive): `retention config validate` refuses
anything else with exit 2 naming the field."""
from __future__ import annotations

import pytest

from audit.cli import main
from audit.config import ConfigError, load_config
from audit.deployment import find_stack, stack_plan

FIELDS = ["cognito_import_role_name", "copy_back_role_name"]


def problems_of(config_dir) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        load_config("example", config_dir)
    return caught.value.problems


def set_role(field: str, value):
    def mutate(c):
        c.setdefault("roles", {})[field] = value
    return mutate


def test_the_defaults_name_two_distinct_roles_that_reach_their_templates():
    cfg = load_config("example").data
    names = [cfg["roles"][f] for f in FIELDS]
    assert len({n.lower() for n in cfg["roles"].values()}) == len(cfg["roles"])
    plan = stack_plan(cfg)
    assert find_stack(plan, "cognito-exporter").parameters["CognitoImportRoleName"] == names[0]
    assert find_stack(plan, "backup-vaults").parameters["CopyBackRoleName"] == names[1]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", ["", "has space", "x" * 65, "role/slash", 7, None])
def test_a_bad_name_is_refused_naming_the_field(edit_config, capsys, field, value):
    folder = edit_config("example", set_role(field, value))
    assert f"roles.{field}" in [f for f, _ in problems_of(folder)]
    assert main(["config", "validate", "--env", "example", "--config-dir", str(folder)]) == 2
    assert f"roles.{field}" in capsys.readouterr().err


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("other", ["general_backup_role_name", "break_glass_role_name", "restore_testing_role_name"])
def test_a_name_shared_with_another_role_is_refused_naming_both(edit_config, capsys, field, other):
    cfg = load_config("example").data
    folder = edit_config("example", set_role(field, cfg["roles"][other].upper()))
    found = dict(problems_of(folder))
    assert f"roles.{other}" in found[f"roles.{field}"]
    assert main(["config", "validate", "--env", "example", "--config-dir", str(folder)]) == 2
    assert f"roles.{field}" in capsys.readouterr().err


def test_the_two_new_roles_must_differ_from_each_other_and_from_the_ssn_backup_role(edit_config):
    cfg = load_config("example").data
    folder = edit_config("example", set_role("copy_back_role_name", cfg["roles"]["cognito_import_role_name"]))
    assert {"roles.cognito_import_role_name", "roles.copy_back_role_name"} <= {f for f, _ in problems_of(folder)}
    ssn_role = next(p["specialized_role"] for p in cfg["backup_policies"].values() if p.get("specialized_role"))
    folder = edit_config("example", set_role("cognito_import_role_name", ssn_role))
    assert "specialized_role" in dict(problems_of(folder))["roles.cognito_import_role_name"]


@pytest.mark.parametrize("field", FIELDS)
def test_a_missing_name_is_refused(edit_config, field):
    """defaults.json carries both; a configuration set that removes one names it (the schema requires it)."""
    folder = edit_config("defaults", lambda c: c["roles"].pop(field))
    assert any(field in f or field in m for f, m in problems_of(folder))
