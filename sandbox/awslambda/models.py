"""Lambda function settings moto 5.2.5 drops: the dead-letter queue and, from CloudFormation, the KMS key.

moto's LambdaFunction keeps no ``DeadLetterConfig`` at all (CreateFunction accepts it, GetFunctionConfiguration
never returns it), and its CloudFormation model copies a fixed list of properties that leaves out
``KmsKeyArn`` and ``DeadLetterConfig``. Both are kept and returned here, so the live audit reads what the
template deployed. Invoking a function still needs Docker in moto (absent): the sandbox runs the exporter's
handler in-process instead (``audit.sandbox_exports``).
"""
from __future__ import annotations

from typing import Any

from moto.awslambda.models import LambdaFunction

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    moto_init = LambdaFunction.__init__
    moto_configuration = LambdaFunction.get_configuration
    moto_create = LambdaFunction.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
    moto_update = LambdaFunction.update_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def init(self: LambdaFunction, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        moto_init(self, account_id, spec, *args, **kwargs)
        self.dead_letter_config = spec.get("DeadLetterConfig") or None

    def get_configuration(self: LambdaFunction, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config = moto_configuration(self, *args, **kwargs)
        if getattr(self, "dead_letter_config", None):
            config["DeadLetterConfig"] = self.dead_letter_config
        return config

    def apply(function: LambdaFunction, properties: dict[str, Any]) -> LambdaFunction:
        function.kms_key_arn = properties.get("KmsKeyArn")
        function.dead_letter_config = properties.get("DeadLetterConfig") or None
        return function

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
               **kwargs: Any) -> LambdaFunction:
        function = moto_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        return apply(function, cloudformation_json.get("Properties") or {})

    def update(cls: Any, original_resource: LambdaFunction, new_resource_name: str, cloudformation_json: dict[str, Any],
               account_id: str, region_name: str) -> LambdaFunction:
        function = moto_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        return apply(function, cloudformation_json.get("Properties") or {})

    LambdaFunction.__init__ = init  # type: ignore[method-assign]
    LambdaFunction.get_configuration = get_configuration  # type: ignore[method-assign]
    LambdaFunction.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign,assignment]
    LambdaFunction.update_from_cloudformation_json = classmethod(update)  # type: ignore[method-assign,assignment]
    _installed = True
