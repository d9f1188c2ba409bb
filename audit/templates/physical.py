"""Values of ``Ref`` / ``Fn::GetAtt`` on resources, from their properties.

Where CloudFormation derives the value from a name property (a bucket's
``BucketName``, a role's ``RoleName`` ...) the value is computed; otherwise
(generated names, ids assigned by the service) it is a :class:`Symbol`.
Attributes that are the same value under two names (KMS ``KeyId`` and
``Ref``) share one canonical Symbol so equal values compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from audit.templates.symbols import Symbol

URL_SUFFIXES = {
    "aws": "amazonaws.com",
    "aws-cn": "amazonaws.com.cn",
    "aws-us-gov": "amazonaws.com",
    "aws-iso": "c2s.ic.gov",
    "aws-iso-b": "sc2s.sgov.gov",
}


@dataclass(frozen=True)
class Env:
    partition: str
    region: str
    account_id: str
    url_suffix: str


# get(prop) -> resolved property value, or None when absent / AWS::NoValue
Getter = Callable[[str], Any]
# formula(get, env, logical_id) -> value, or None when not knowable
Formula = Callable[[Getter, Env, str], Optional[Any]]


def _text(get: Getter, prop: str) -> str | None:
    value = get(prop)
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _prop(prop: str) -> Formula:
    return lambda get, env, lid: _text(get, prop)


def _named(prop: str, template: str) -> Formula:
    """Format ``template`` with {name} = the property, {p} {r} {a} {s} = env."""

    def formula(get: Getter, env: Env, lid: str) -> str | None:
        name = _text(get, prop)
        if name is None:
            return None
        return template.format(
            name=name, p=env.partition, r=env.region, a=env.account_id, s=env.url_suffix
        )

    return formula


def _with_ref_symbol(template: str) -> Formula:
    """An ARN (or URL) around the resource's own symbolic Ref (e.g. a KMS key id)."""

    def formula(get: Getter, env: Env, lid: str) -> str:
        return template.format(
            ref=Symbol(lid, "Ref"), p=env.partition, r=env.region, a=env.account_id,
            s=env.url_suffix,
        )

    return formula


def _iam_path(get: Getter) -> str:
    path = _text(get, "Path")
    return path if path else "/"


def _iam_arn(kind: str, name_prop: str) -> Formula:
    def formula(get: Getter, env: Env, lid: str) -> str | None:
        name = _text(get, name_prop)
        if name is None:
            return None
        return f"arn:{env.partition}:iam::{env.account_id}:{kind}{_iam_path(get)}{name}"

    return formula


def _event_bus(get: Getter) -> str | None:
    bus = _text(get, "EventBusName")
    if not bus or bus == "default":
        return None
    if bus.startswith("arn:") and "event-bus/" in bus:
        bus = bus.split("event-bus/", 1)[1]
    return bus


def _rule_ref(get: Getter, env: Env, lid: str) -> str | None:
    # On a custom bus CloudFormation returns "<bus>|<rule>" (observed, see
    # cloudformation-coverage-roadmap#1131); on the default bus the rule name.
    name = _text(get, "Name")
    if name is None:
        return None
    bus = _event_bus(get)
    return f"{bus}|{name}" if bus else name


def _rule_arn(get: Getter, env: Env, lid: str) -> str | None:
    name = _text(get, "Name")
    if name is None:
        return None
    bus = _event_bus(get)
    rule = f"{bus}/{name}" if bus else name
    return f"arn:{env.partition}:events:{env.region}:{env.account_id}:rule/{rule}"


@dataclass(frozen=True)
class TypeSpec:
    formulas: dict[str, Formula]
    aliases: dict[str, str]


def _spec(aliases: dict[str, str] | None = None, **formulas: Formula) -> TypeSpec:
    return TypeSpec(formulas=formulas, aliases=aliases or {})


_ARN = "arn:{p}:"
TYPES: dict[str, TypeSpec] = {
    "AWS::Backup::BackupVault": _spec(
        {"BackupVaultName": "Ref"},
        Ref=_prop("BackupVaultName"),
        BackupVaultArn=_named("BackupVaultName", _ARN + "backup:{r}:{a}:backup-vault:{name}"),
    ),
    "AWS::Backup::BackupPlan": _spec(
        {"BackupPlanId": "Ref"},
        BackupPlanArn=_with_ref_symbol(_ARN + "backup:{r}:{a}:backup-plan:{ref}"),
    ),
    "AWS::IAM::Role": _spec(Ref=_prop("RoleName"), Arn=_iam_arn("role", "RoleName")),
    "AWS::IAM::ManagedPolicy": _spec(
        {"PolicyArn": "Ref"}, Ref=_iam_arn("policy", "ManagedPolicyName")
    ),
    "AWS::S3::Bucket": _spec(
        Ref=_prop("BucketName"),
        Arn=_named("BucketName", _ARN + "s3:::{name}"),
        DomainName=_named("BucketName", "{name}.s3.{s}"),
        RegionalDomainName=_named("BucketName", "{name}.s3.{r}.{s}"),
        DualStackDomainName=_named("BucketName", "{name}.s3.dualstack.{r}.{s}"),
    ),
    "AWS::DynamoDB::Table": _spec(
        Ref=_prop("TableName"),
        Arn=_named("TableName", _ARN + "dynamodb:{r}:{a}:table/{name}"),
    ),
    "AWS::SNS::Topic": _spec(
        {"TopicArn": "Ref"},
        Ref=_named("TopicName", _ARN + "sns:{r}:{a}:{name}"),
        TopicName=_prop("TopicName"),
    ),
    "AWS::SQS::Queue": _spec(
        {"QueueUrl": "Ref"},
        Ref=_named("QueueName", "https://sqs.{r}.{s}/{a}/{name}"),
        QueueName=_prop("QueueName"),
        Arn=_named("QueueName", _ARN + "sqs:{r}:{a}:{name}"),
    ),
    "AWS::KMS::Key": _spec(
        {"KeyId": "Ref"}, Arn=_with_ref_symbol(_ARN + "kms:{r}:{a}:key/{ref}")
    ),
    "AWS::KMS::Alias": _spec(Ref=_prop("AliasName")),
    "AWS::Lambda::Function": _spec(
        Ref=_prop("FunctionName"),
        Arn=_named("FunctionName", _ARN + "lambda:{r}:{a}:function:{name}"),
    ),
    "AWS::Events::Rule": _spec(Ref=_rule_ref, Arn=_rule_arn),
    "AWS::Events::EventBus": _spec(
        Ref=_prop("Name"),
        Name=_prop("Name"),
        Arn=_named("Name", _ARN + "events:{r}:{a}:event-bus/{name}"),
    ),
    "AWS::Cognito::UserPool": _spec(
        {"UserPoolId": "Ref"},
        Arn=_with_ref_symbol(_ARN + "cognito-idp:{r}:{a}:userpool/{ref}"),
        ProviderName=_with_ref_symbol("cognito-idp.{r}.{s}/{ref}"),
        ProviderURL=_with_ref_symbol("https://cognito-idp.{r}.{s}/{ref}"),
    ),
    "AWS::Logs::LogGroup": _spec(
        Ref=_prop("LogGroupName"),
        Arn=_named("LogGroupName", _ARN + "logs:{r}:{a}:log-group:{name}:*"),
    ),
    "AWS::StepFunctions::StateMachine": _spec(
        {"Arn": "Ref"},
        Ref=_named("StateMachineName", _ARN + "states:{r}:{a}:stateMachine:{name}"),
        Name=_prop("StateMachineName"),
    ),
    "AWS::SSM::Parameter": _spec(Ref=_prop("Name")),
}


def attribute_value(resource_type: str, logical_id: str, attribute: str, get: Getter, env: Env) -> Any:
    """Value of ``Ref`` (attribute ``"Ref"``) or ``Fn::GetAtt`` on a resource."""
    spec = TYPES.get(resource_type)
    if spec is None:
        return Symbol(logical_id, attribute)
    canonical = spec.aliases.get(attribute, attribute)
    formula = spec.formulas.get(canonical)
    if formula is not None:
        value = formula(get, env, logical_id)
        if value is not None:
            return value
    return Symbol(logical_id, canonical)
