"""Unit tests for audit.templates: loading and resolving CloudFormation templates."""

from __future__ import annotations

import copy
import json
import pickle
import textwrap
from pathlib import Path

import pytest

from audit.templates import (
    ParameterError,
    ResolvedTemplate,
    Symbol,
    TemplateError,
    load_template,
    resolve_template,
)

FIXTURES = Path(__file__).parent / "fixtures" / "templates"
ACCOUNT = "111122223333"
REGION = "eu-west-1"
STACK = "retention"
# intrinsics.json imports "${Stage}-SharedVaultArn"
SHARED = {f"{stage}-SharedVaultArn": f"arn:aws:backup:eu-west-1:999999999999:backup-vault:{stage}" for stage in ("dev", "test", "prod")}


def resolve(name: str, parameters: dict | None = None, **kwargs) -> ResolvedTemplate:
    path = FIXTURES / name
    options = {"account_id": ACCOUNT, "region": REGION, "stack_name": STACK, "source": str(path)}
    if name == "intrinsics.json":
        options["imports"] = SHARED
    options.update(kwargs)
    return resolve_template(load_template(path), parameters=parameters or {}, **options)


def resolve_text(tmp_path: Path, text: str, parameters: dict | None = None, **kwargs) -> ResolvedTemplate:
    path = tmp_path / "inline.yaml"
    path.write_text(textwrap.dedent(text).lstrip())
    options = {"account_id": ACCOUNT, "region": REGION, "stack_name": STACK, "source": "inline.yaml"}
    options.update(kwargs)
    return resolve_template(load_template(path), parameters=parameters or {}, **options)


def props(resolved: ResolvedTemplate, logical_id: str) -> dict:
    return resolved.resources[logical_id]["Properties"]


PROD = {"Environment": "prod", "EnableReports": "true"}


# -- loading -----------------------------------------------------------------


def test_load_yaml_short_form_becomes_long_form_with_marks():
    template = load_template(FIXTURES / "backup_stack.yaml")
    arn = template["Resources"]["Vault"]["Properties"]["EncryptionKeyArn"]
    assert arn == {"Fn::GetAtt": ["SSNKey", "Arn"]}
    assert arn.start_mark.line + 1 == 83  # cfn-lint marks are 0-based


def test_parse_error_raises_with_path_and_line():
    path = FIXTURES / "broken.yaml"
    with pytest.raises(TemplateError) as info:
        load_template(path)
    assert str(info.value) == f"{path}:7: did not find expected key"
    assert info.value.line == 7


def test_duplicate_key_is_a_parse_error(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("Resources:\n  A:\n    Type: AWS::SNS::Topic\n  A:\n    Type: AWS::SQS::Queue\n")
    with pytest.raises(TemplateError, match=r"dup\.yaml:2: Duplicate found 'A'"):
        load_template(path)


def test_resolved_template_is_plain_json_and_input_untouched():
    template = load_template(FIXTURES / "backup_stack.yaml")
    before = json.dumps(template, sort_keys=True)
    resolved = resolve_template(
        template, parameters=PROD, account_id=ACCOUNT, region=REGION, stack_name=STACK
    )
    data = {
        "parameters": resolved.parameters, "conditions": resolved.conditions,
        "resources": resolved.resources, "outputs": resolved.outputs, "lines": resolved.lines,
    }

    def types(value):
        if isinstance(value, dict):
            return {type(value)} | {type(k) for k in value} | set().union(*map(types, value.values()))
        if isinstance(value, list):
            return {type(value)} | set().union(set(), *map(types, value))
        return {type(value)}

    assert types(data) <= {dict, list, str, int, float, bool, type(None), Symbol}
    assert json.loads(json.dumps(data)) == data
    assert json.dumps(template, sort_keys=True) == before


# -- parameters and pseudo parameters ----------------------------------------


def test_defaults_and_types_of_effective_parameters():
    resolved = resolve("backup_stack.yaml")
    assert resolved.parameters == {
        "Environment": "dev",
        "RetentionDays": 35,
        "AdminArns": ["arn:aws:iam::111122223333:role/Admin", "arn:aws:iam::111122223333:role/Ops"],
        "EnableReports": "false",
    }
    assert props(resolved, "Vault")["LockConfiguration"] == {"MinRetentionDays": 35}


def test_given_string_values_are_coerced_by_type():
    resolved = resolve("backup_stack.yaml", {"RetentionDays": "90", "AdminArns": "a ,b"})
    assert resolved.parameters["RetentionDays"] == 90
    admins = props(resolved, "SSNKey")["KeyPolicy"]["Statement"][1]["Principal"]["AWS"]
    assert admins == ["a", "b"]


def test_list_number_and_aws_specific_parameter_types():
    resolved = resolve("parameters.yaml", {"Env": "dev", "Subnets": ["subnet-9"]})
    assert resolved.parameters["Ports"] == [80, 443]
    assert resolved.parameters["Subnets"] == ["subnet-9"]
    assert resolved.parameters["Vpc"] == "vpc-123"
    assert resolved.parameters["Ratio"] == 0.5
    assert resolved.parameters["Days"] == 35


@pytest.mark.parametrize(
    "given, message",
    [
        ({}, "parameter Env: no value and no default"),
        ({"Env": "dev", "Bogus": "x"}, "parameter Bogus: not declared"),
        ({"Env": "qa"}, "parameter Env: value 'qa' is not one of AllowedValues ['dev', 'prod']"),
        ({"Env": "dev", "Name": "vault!"}, "parameter Name: value 'vault!' does not match AllowedPattern"),
        ({"Env": "dev", "Name": "Vault"}, "parameter Name: value 'Vault' does not match AllowedPattern"),
        ({"Env": "dev", "Name": "ab"}, "parameter Name: value 'ab' is shorter than MinLength 3"),
        ({"Env": "dev", "Name": "a" * 13}, "parameter Name: value 'aaaaaaaaaaaaa' is longer than MaxLength 12"),
        ({"Env": "dev", "Days": 0}, "parameter Days: value 0 is less than MinValue 1"),
        ({"Env": "dev", "Days": "4000"}, "parameter Days: value 4000 is greater than MaxValue 3650"),
        ({"Env": "dev", "Days": "soon"}, "parameter Days: value 'soon' is not a Number"),
        ({"Env": "dev", "Ports": "80,http"}, "parameter Ports: value 'http' is not a Number"),
        ({"Env": ["dev"]}, "parameter Env: value ['dev'] must be a single string"),
    ],
)
def test_parameter_validation_errors(given, message):
    with pytest.raises(ParameterError) as info:
        resolve("parameters.yaml", given)
    assert str(info.value).startswith(message)


def test_constraint_description_is_part_of_the_message():
    with pytest.raises(ParameterError, match=r"\(lowercase letters, digits and dashes\)$"):
        resolve("parameters.yaml", {"Env": "dev", "Name": "Bad"})


def test_pseudo_parameters():
    probe = props(resolve("intrinsics.json"), "Probe")
    assert probe["StackId"] == "{{AWS::StackId.Ref}}"
    assert isinstance(probe["StackId"], Symbol)
    assert probe["NotificationARNs"] == []
    assert probe["URLSuffix"] == "amazonaws.com"
    key = props(resolve("backup_stack.yaml", partition="aws-cn", region="cn-north-1"), "SSNKey")
    statements = key["KeyPolicy"]["Statement"]
    assert statements[0]["Principal"]["AWS"] == "arn:aws-cn:iam::111122223333:root"
    assert statements[-1]["Condition"]["StringEquals"]["kms:ViaService"] == "backup.cn-north-1.amazonaws.com.cn"


# -- intrinsic functions -----------------------------------------------------


def test_sub_with_parameters_pseudo_parameters_and_resource_ref():
    resolved = resolve("backup_stack.yaml")
    assert props(resolved, "SSNKey")["Description"] == "SSN key for retention in dev"
    copy_action = props(resolved, "Plan")["BackupPlan"]["BackupPlanRule"][0]["CopyActions"][0]
    # [string, vars] form; ${Copy} from Fn::FindInMap keyed by AWS::Region, ${Vault} a Ref to a resource
    assert copy_action["DestinationBackupVaultArn"] == (
        "arn:aws:backup:eu-central-1:111122223333:backup-vault:retention-vault-dev"
    )


def test_sub_variables_getatt_and_escape():
    probe = props(resolve("intrinsics.json"), "Probe")
    assert probe["SubVars"] == "subnet-a/arn:aws:backup:eu-west-1:111122223333:backup-vault:vault"
    assert probe["Escaped"] == "${Literal}-test"


def test_join_over_split_over_comma_delimited_list():
    probe = props(resolve("intrinsics.json", {"Subnets": "s-1,s-2"}), "Probe")
    assert probe["Rejoined"] == "s-1;s-2"
    assert probe["SubnetCount"] == 2


def test_select_with_string_and_intrinsic_index_and_getazs():
    probe = props(resolve("intrinsics.json"), "Probe")
    assert probe["SecondSubnet"] == "subnet-b"
    assert probe["Azs"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert probe["PickedAz"] == "eu-west-1c"  # index from a Number parameter


def test_select_out_of_range_is_an_error(tmp_path):
    with pytest.raises(TemplateError, match=r"Resources\.T\.Properties\.TopicName\.Fn::Select: .*index 5 is out of range"):
        resolve_text(tmp_path, """
            Resources:
              T:
                Type: AWS::SNS::Topic
                Properties:
                  TopicName: !Select [5, [a, b]]
        """)


def test_find_in_map_values_lists_and_default_value():
    probe = props(resolve("intrinsics.json"), "Probe")
    assert probe["Retention"] == 7
    assert probe["Tiers"] == ["warm", "cold"]
    assert probe["Fallback"] == 1
    assert props(resolve("intrinsics.json", {"Stage": "prod"}), "Probe")["Retention"] == 90
    with pytest.raises(TemplateError, match=r"Retention\.Fn::FindInMap: key 'qa' not found in mapping StageSettings"):
        resolve("intrinsics.json", {"Stage": "qa"})


def test_import_value_found_and_missing():
    probe = props(resolve("intrinsics.json"), "Probe")
    assert probe["Imported"] == "arn:aws:backup:eu-west-1:999999999999:backup-vault:test"
    assert props(resolve("intrinsics.json", {"Stage": "prod"}), "Probe")["Imported"].endswith(":prod")
    with pytest.raises(TemplateError, match=r"Imported\.Fn::ImportValue: export 'test-SharedVaultArn' is not in the given imports"):
        resolve("intrinsics.json", imports={"other": "x"})


def test_to_json_string_length_base64_and_cidr():
    probe = props(resolve("intrinsics.json"), "Probe")
    assert probe["Json"] == '{"stage":"test","subnets":["subnet-a","subnet-b","subnet-c"]}'
    assert probe["UserData"] == "#!/bin/sh\necho test"  # Fn::Base64 returns its input unchanged
    assert probe["Cidrs"] == ["10.0.0.0/24", "10.0.1.0/24"]


# -- conditions ---------------------------------------------------------------


def test_conditions_equals_and_or_not():
    assert resolve("backup_stack.yaml").conditions == {
        "IsProd": False, "WantReports": False, "ProdReports": False, "NotProd": True,
    }
    assert resolve("backup_stack.yaml", {"Environment": "prod"}).conditions["ProdReports"] is False
    assert resolve("backup_stack.yaml", PROD).conditions == {
        "IsProd": True, "WantReports": True, "ProdReports": True, "NotProd": False,
    }
    dev = resolve("intrinsics.json", {"Stage": "dev", "Subnets": "a,b"})
    assert dev.conditions == {"IsProd": False, "IsTestOrDev": True, "NotProd": True, "ThreeSubnets": False}


def test_false_condition_omits_resource_and_output():
    dev = resolve("backup_stack.yaml")
    assert "ReportsBucket" not in dev.resources
    assert set(dev.outputs) == {"VaultArn", "KeyArn"}
    prod = resolve("backup_stack.yaml", PROD)
    assert prod.resources["ReportsBucket"]["Condition"] == "ProdReports"
    assert prod.outputs["ReportsBucketName"] == "retention-reports-111122223333"


def test_if_with_no_value_removes_list_item():
    dev = props(resolve("backup_stack.yaml"), "SSNKey")["KeyPolicy"]["Statement"]
    assert [s["Sid"] for s in dev] == ["RootAccess", "Admins", "BackupService"]
    prod = props(resolve("backup_stack.yaml", PROD), "SSNKey")["KeyPolicy"]["Statement"]
    assert [s["Sid"] for s in prod] == ["RootAccess", "Admins", "DenyDelete", "BackupService"]
    assert prod[2]["Action"] == "kms:ScheduleKeyDeletion"


def test_if_with_no_value_removes_dict_key():
    assert "Notifications" not in props(resolve("backup_stack.yaml"), "Vault")
    notifications = props(resolve("backup_stack.yaml", PROD), "Vault")["Notifications"]
    assert notifications == {
        "BackupVaultEvents": ["BACKUP_JOB_FAILED"],
        "SNSTopicArn": "arn:aws:sns:eu-west-1:111122223333:retention-alerts",
    }
    assert "MaybeGone" not in props(resolve("intrinsics.json"), "Probe")


def test_if_selects_branch_and_lists_are_not_flattened():
    dev = resolve("backup_stack.yaml")
    assert dev.resources["Plan"]["Properties"]["BackupPlan"]["BackupPlanRule"][0]["Lifecycle"] == {"DeleteAfterDays": 7}
    probe = props(resolve("intrinsics.json"), "Probe")
    assert probe["Tags"] == [{"Key": "always", "Value": "1"}, {"Key": "test", "Value": "yes"}]
    assert probe["ListFromIf"] == ["x", "y"]
    # CloudFormation keeps a list returned by Fn::If nested inside an enclosing list
    assert probe["NestedListFromIf"] == ["first", ["x", "y"]]


def test_ref_to_resource_whose_condition_is_false_is_an_error(tmp_path):
    with pytest.raises(TemplateError, match=r"resource B is not created \(Condition Never is false\)"):
        resolve_text(tmp_path, """
            Conditions:
              Never: !Equals [a, b]
            Resources:
              B:
                Type: AWS::S3::Bucket
                Condition: Never
              T:
                Type: AWS::SNS::Topic
                Properties:
                  DisplayName: !Ref B
        """)


def test_condition_errors_undefined_circular_and_resource_reference(tmp_path):
    base = """
        Conditions:
          A: !Condition B
          B: {cond}
        Resources:
          T:
            Type: AWS::SNS::Topic
    """
    with pytest.raises(TemplateError, match=r"Conditions\.A\.Condition: condition 'Nope' is not defined"):
        resolve_text(tmp_path, base.replace("!Condition B", "!Condition Nope").replace("{cond}", "!Equals [a, a]"))
    with pytest.raises(TemplateError, match=r"condition 'A' depends on itself"):
        resolve_text(tmp_path, base.replace("{cond}", "!Not [!Condition A]"))
    with pytest.raises(TemplateError, match=r"conditions cannot reference resources"):
        resolve_text(tmp_path, base.replace("{cond}", "!Equals [!Ref T, x]"))


# -- resource attributes and symbols -------------------------------------------


ATTRIBUTES = {
    "VaultRef": "retention-vault",
    "VaultName": "retention-vault",
    "VaultArn": "arn:aws:backup:eu-west-1:111122223333:backup-vault:retention-vault",
    "RoleRef": "backup-role",
    "RoleArn": "arn:aws:iam::111122223333:role/service/backup-role",
    "DefaultPathRoleArn": "arn:aws:iam::111122223333:role/plain",
    "PolicyRef": "arn:aws:iam::111122223333:policy/backup/restore",
    "PolicyArn": "arn:aws:iam::111122223333:policy/backup/restore",
    "BucketRef": "data-bucket",
    "BucketArn": "arn:aws:s3:::data-bucket",
    "BucketDomainName": "data-bucket.s3.amazonaws.com",
    "TableRef": "audit",
    "TableArn": "arn:aws:dynamodb:eu-west-1:111122223333:table/audit",
    "TopicRef": "arn:aws:sns:eu-west-1:111122223333:alerts",
    "TopicArn": "arn:aws:sns:eu-west-1:111122223333:alerts",
    "QueueRef": "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs",
    "QueueName": "jobs",
    "QueueArn": "arn:aws:sqs:eu-west-1:111122223333:jobs",
    "KeyRef": "{{Key.Ref}}",
    "KeyId": "{{Key.Ref}}",
    "KeyArn": "arn:aws:kms:eu-west-1:111122223333:key/{{Key.Ref}}",
    "AliasRef": "alias/ssn",
    "FunctionRef": "worker",
    "FunctionArn": "arn:aws:lambda:eu-west-1:111122223333:function:worker",
    "RuleRef": "ops-bus|nightly",
    "RuleArn": "arn:aws:events:eu-west-1:111122223333:rule/ops-bus/nightly",
    "DefaultRuleRef": "hourly",
    "DefaultRuleArn": "arn:aws:events:eu-west-1:111122223333:rule/hourly",
    "PoolRef": "{{Pool.Ref}}",
    "PoolArn": "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/{{Pool.Ref}}",
}


@pytest.fixture(scope="module")
def attributes() -> ResolvedTemplate:
    return resolve("attributes.json")


@pytest.mark.parametrize("output, expected", sorted(ATTRIBUTES.items()))
def test_ref_and_getatt_formulas(attributes, output, expected):
    assert attributes.outputs[output] == expected


def test_unknowable_attributes_are_symbols(attributes):
    outputs = attributes.outputs
    expected = {
        "UnnamedVaultArn": ("UnnamedVault", "BackupVaultArn"),
        "UnnamedPolicyRef": ("UnnamedPolicy", "Ref"),
        "UnnamedBucketArn": ("UnnamedBucket", "Arn"),
        "RoleId": ("Role", "RoleId"),
        "BucketWebsiteURL": ("Bucket", "WebsiteURL"),
        "CustomResult": ("Custom", "Result"),
        "KeyRef": ("Key", "Ref"),
        "KeyId": ("Key", "Ref"),  # same value as Ref, so the same symbol
    }
    for output, (logical_id, attribute) in expected.items():
        value = outputs[output]
        assert isinstance(value, Symbol), output
        assert (value.logical_id, value.attribute) == (logical_id, attribute)
    # formulas that embed a symbol are plain strings carrying its text
    assert type(outputs["KeyArn"]) is str
    assert Symbol.find_all(outputs["KeyArn"]) == [("Key", "Ref")]


def test_getatt_used_inside_properties(attributes):
    assert props(attributes, "Function")["Role"] == "arn:aws:iam::111122223333:role/service/backup-role"
    assert props(attributes, "Alias")["TargetKeyId"] == Symbol("Key", "Ref")


def test_formulas_follow_partition():
    resolved = resolve("attributes.json", partition="aws-us-gov", region="us-gov-west-1")
    assert resolved.outputs["BucketArn"] == "arn:aws-us-gov:s3:::data-bucket"
    assert resolved.outputs["TableArn"] == "arn:aws-us-gov:dynamodb:us-gov-west-1:111122223333:table/audit"


def test_symbol_rendering_and_identity():
    symbol = Symbol("SSNKey", "Arn")
    assert symbol == "{{SSNKey.Arn}}"
    assert isinstance(symbol, str)
    assert (symbol.logical_id, symbol.attribute) == ("SSNKey", "Arn")
    assert json.dumps({"k": symbol}) == '{"k": "{{SSNKey.Arn}}"}'
    assert repr(symbol) == "Symbol('SSNKey', 'Arn')"
    for clone in (copy.deepcopy(symbol), pickle.loads(pickle.dumps(symbol))):
        assert isinstance(clone, Symbol) and clone.attribute == "Arn"


def test_symbol_find_all():
    text = (
        "arn:aws:kms:eu-west-1:1:key/{{SSNKey.Ref}} {{resolve:ssm:/a/b}} "
        "{{DB.Endpoint.Address}}:{{AWS::StackId.Ref}}"
    )
    assert Symbol.find_all(text) == [
        ("SSNKey", "Ref"), ("DB", "Endpoint.Address"), ("AWS::StackId", "Ref"),
    ]
    assert Symbol.find_all("no symbols here") == []


def test_kms_key_ref_and_arn_in_the_backup_stack():
    resolved = resolve("backup_stack.yaml")
    assert props(resolved, "SSNKeyAlias")["TargetKeyId"] == "{{SSNKey.Ref}}"
    assert props(resolved, "Vault")["EncryptionKeyArn"] == "arn:aws:kms:eu-west-1:111122223333:key/{{SSNKey.Ref}}"


# -- resource entries, outputs, lines --------------------------------------------


def test_resource_entry_shape():
    resolved = resolve("backup_stack.yaml")
    assert resolved.resources["Plan"]["DependsOn"] == ["Vault"]
    key = resolved.resources["SSNKey"]
    assert (key["Type"], key["DeletionPolicy"], key["UpdateReplacePolicy"]) == ("AWS::KMS::Key", "Retain", "Retain")
    topic = resolved.resources["AlertTopic"]
    assert topic == {
        "Type": "AWS::SNS::Topic", "Properties": {"TopicName": "retention-alerts"},
        "DeletionPolicy": None, "UpdateReplacePolicy": None, "DependsOn": [],
        "Metadata": None, "Condition": None,
    }
    assert list(resolved.resources_of_type("AWS::Backup::BackupVault")) == ["Vault"]
    assert resolved.resources_of_type("AWS::S3::Bucket") == {}


def test_outputs_and_exports():
    resolved = resolve("backup_stack.yaml")
    vault_arn = "arn:aws:backup:eu-west-1:111122223333:backup-vault:retention-vault-dev"
    assert resolved.outputs["VaultArn"] == vault_arn
    assert resolved.exports == {"retention-VaultArn": vault_arn}


def test_lines_of_resources_outputs_and_paths():
    resolved = resolve("backup_stack.yaml")
    assert resolved.line_of("SSNKey") == 34
    assert resolved.line_of("Vault") == 78
    assert resolved.line_of("ReportsBucket") == 95  # omitted by its condition, line still known
    assert resolved.lines["Outputs.VaultArn"] == 117
    assert resolved.line_of("SSNKey.Properties.KeyPolicy.Statement[3].Condition.StringEquals.kms:ViaService") == 72
    assert resolved.line_of("Missing") is None
    json_lines = resolve("intrinsics.json").lines
    assert (json_lines["Probe"], json_lines["Outputs.TestOnly"]) == (21, 54)


# -- errors with template paths ---------------------------------------------------


def test_unknown_intrinsic_error_names_path_and_line():
    path = FIXTURES / "unknown_intrinsic.yaml"
    with pytest.raises(TemplateError) as info:
        resolve("unknown_intrinsic.yaml")
    error = info.value
    assert error.path == "Resources.SSNKey.Properties.KeyPolicy.Statement[2].Condition"
    assert error.line == 21
    assert str(error) == (
        f"{path}:21: Resources.SSNKey.Properties.KeyPolicy.Statement[2].Condition: "
        "unknown intrinsic function Fn::Frobnicate"
    )


@pytest.mark.parametrize(
    "value, message",
    [
        ("!Ref Nowhere", r"Resources\.T\.Properties\.DisplayName\.Ref: Ref to 'Nowhere': no such parameter or resource"),
        ("!GetAtt Ghost.Arn", r"Fn::GetAtt Ghost\.Arn: no such resource"),
        ("!Sub '${Ghost}'", r"DisplayName\.Fn::Sub: \$\{Ghost\} is not a parameter, resource or variable"),
        ("!Join [a, b, c]", r"DisplayName\.Fn::Join: malformed Fn::Join: expected a list of 2 arguments"),
        ("{Fn::Sub: x, Extra: y}", r"intrinsic function Fn::Sub must be the only key"),
        ("!Join ['', [!Ref AWS::NotificationARNs]]", r"Fn::Join item \[0\] must be a string, got list"),
        ("!Equals [a, b]", r"Fn::Equals can only be used in the Conditions section"),
    ],
)
def test_malformed_or_dangling_references_are_errors(tmp_path, value, message):
    with pytest.raises(TemplateError, match=message) as info:
        resolve_text(tmp_path, f"""
            Resources:
              T:
                Type: AWS::SNS::Topic
                Properties:
                  DisplayName: {value}
        """)
    assert info.value.line == 5
