"""The CloudFormation types moto 5.2.5 skips, registered with moto's CloudFormation, installed with the
corrections of moto's own types (``native_patches``) and of its change sets (``stacks``).

moto's CloudFormation finds resource types through CloudFormationModel.__subclasses__() (direct subclasses
only) and caches the result (get_model_list, get_model_map, get_name_type_map in
moto.cloudformation.parsing). The types (``sandbox.cloudformation.types``) are direct subclasses; ``install``
clears those caches and checks that moto now maps each type name to the sandbox's class, so a stack
creates, updates and deletes real moto resources. Without them moto logs "No Moto CloudFormation support
for X" and reports the stack CREATE_COMPLETE with the resource missing.
"""
from __future__ import annotations

from moto.core.common_models import CloudFormationModel

from sandbox.backup import urls as backup_urls
from sandbox.cloudformation import native_patches, stacks
from sandbox.cloudformation.types.backup import (
    BackupPlanResource,
    BackupSelectionResource,
    BackupVaultResource,
    RestoreTestingPlanResource,
    RestoreTestingSelectionResource,
)
from sandbox.cloudformation.types.cognito import CognitoUserPoolGroupResource, CognitoUserPoolResource
from sandbox.cloudformation.types.messaging import (
    SNSSubscriptionResource,
    SNSTopicPolicyResource,
    SQSQueuePolicyResource,
)
from sandbox.cloudformation.types.monitoring import CloudTrailTrailResource, CloudWatchAlarmResource
from sandbox.cloudformation.types.s3 import S3BucketPolicyResource

SANDBOX_TYPES: list[type[CloudFormationModel]] = [
    BackupVaultResource, BackupPlanResource, BackupSelectionResource, S3BucketPolicyResource,
    SNSTopicPolicyResource, SNSSubscriptionResource, CloudWatchAlarmResource, CloudTrailTrailResource, CognitoUserPoolResource,
    CognitoUserPoolGroupResource, SQSQueuePolicyResource, RestoreTestingPlanResource, RestoreTestingSelectionResource,
]

_installed = False


def install() -> None:
    """Register the types with moto's CloudFormation, correct moto's own types, fix its change sets
    (idempotent)."""
    global _installed
    if _installed:
        return
    backup_urls.install()
    from moto.cloudformation import parsing

    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    model_map = parsing.get_model_map()
    missing = [m.cloudformation_type() for m in SANDBOX_TYPES if model_map.get(m.cloudformation_type()) is not m]
    if missing:
        raise RuntimeError(f"moto did not pick up the sandbox CloudFormation types {missing}")
    native_patches.apply_all()
    stacks.install()
    _installed = True


install()
