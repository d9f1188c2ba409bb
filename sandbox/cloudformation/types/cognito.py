"""AWS::Cognito::UserPool (create_user_pool) and AWS::Cognito::UserPoolGroup (create_group)."""
from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel

from sandbox.cloudformation.types.base import AttributesByName, SandboxType, int_or_none, props_of


def _cognito(account_id: str, region_name: str) -> Any:
    from moto.cognitoidp.models import cognitoidp_backends

    return cognitoidp_backends[account_id][region_name]


# CloudFormation properties of AWS::Cognito::UserPool that are not CreateUserPool parameters.
_POOL_CFN_ONLY = {"UserPoolName", "EnabledMfas"}


class CognitoUserPoolResource(AttributesByName, CloudFormationModel):
    _ref, _name_property = "pool_id", "UserPoolName"
    _attributes = ("Arn", "ProviderName", "ProviderURL", "UserPoolId")

    _fields = ("pool_id", "properties")
    _type = "AWS::Cognito::UserPool"

    def _attribute(self, attribute_name: str) -> Any:
        pool = _cognito(self.account_id, self.region_name).describe_user_pool(self.pool_id)
        provider = f"cognito-idp.{self.region_name}.amazonaws.com/{self.pool_id}"
        return {"Arn": pool.arn, "ProviderName": provider, "ProviderURL": f"https://{provider}",
                "UserPoolId": self.pool_id}[attribute_name]

    @staticmethod
    def _config(props: dict[str, Any]) -> dict[str, Any]:
        return json.loads(json.dumps({k: v for k, v in props.items() if k not in _POOL_CFN_ONLY}))

    @staticmethod
    def _mfa(pool: Any, props: dict[str, Any]) -> None:
        enabled = set(props.get("EnabledMfas") or [])
        pool.mfa_config = props.get("MfaConfiguration") or "OFF"
        pool.token_mfa_config = {"Enabled": True} if "SOFTWARE_TOKEN_MFA" in enabled else None
        if "SMS_MFA" in enabled:
            pool.sms_mfa_config = {"SmsConfiguration": props.get("SmsConfiguration") or {}}

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> CognitoUserPoolResource:
        pool = _cognito(account_id, region_name).create_user_pool(props.get("UserPoolName") or resource_name,
                                                                  cls._config(props))
        cls._mfa(pool, props)
        return cls(account_id, region_name, pool.id, props)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CognitoUserPoolResource, new_resource_name: str,
        cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> CognitoUserPoolResource:
        props = props_of(cloudformation_json)
        backend = _cognito(account_id, region_name)
        pool = backend.describe_user_pool(original_resource.pool_id)
        config = cls._config(props)
        config.pop("Schema", None)  # schema attributes can only be added (AddCustomAttributes), not replaced
        backend.update_user_pool(original_resource.pool_id, config)
        pool.name = props.get("UserPoolName") or pool.name
        cls._mfa(pool, props)
        original_resource.properties = props
        return original_resource

    @staticmethod
    def _delete_id(account_id: str, region_name: str, pool_id: str) -> None:
        from moto.cognitoidp.exceptions import InvalidParameterException

        backend = _cognito(account_id, region_name)
        pool = backend.user_pools.get(pool_id)
        if pool is None:
            return
        if pool.extended_config.get("DeletionProtection") == "ACTIVE":
            raise InvalidParameterException(
                "The user pool cannot be deleted because deletion protection is activated.")
        backend.delete_user_pool(pool_id)


class CognitoUserPoolGroupResource(SandboxType, CloudFormationModel):
    _ref, _name_property = "name", "GroupName"

    _fields = ("pool_id", "name")
    _type = "AWS::Cognito::UserPoolGroup"

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> CognitoUserPoolGroupResource:
        name = props.get("GroupName") or resource_name
        _cognito(account_id, region_name).create_group(
            props["UserPoolId"], name, props.get("Description"), props.get("RoleArn"),
            int_or_none(props.get("Precedence")))
        return cls(account_id, region_name, props["UserPoolId"], name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: CognitoUserPoolGroupResource, new_resource_name: str,
        cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> CognitoUserPoolGroupResource:
        props = props_of(cloudformation_json)
        name = props.get("GroupName") or original_resource.name
        if name != original_resource.name or props["UserPoolId"] != original_resource.pool_id:
            replacement = cls.create_from_cloudformation_json(name, cloudformation_json, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return replacement
        _cognito(account_id, region_name).update_group(
            original_resource.pool_id, name, props.get("Description"), props.get("RoleArn"),
            int_or_none(props.get("Precedence")))
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> None:
        pool_id = props_of(cloudformation_json)["UserPoolId"]
        cls(account_id, region_name, pool_id, resource_name).delete(account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _cognito(account_id, region_name)
        pool = backend.user_pools.get(self.pool_id)
        if pool is not None and self.name in pool.groups:
            backend.delete_group(self.pool_id, self.name)
