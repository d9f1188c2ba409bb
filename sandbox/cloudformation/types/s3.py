"""AWS::S3::BucketPolicy (put_bucket_policy; Ref = bucket name)."""
from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.utilities.utils import get_partition

from sandbox.cloudformation.types.base import PutAgainOnUpdate, SandboxType, json_text, props_of


def s3_of(account_id: str, region_name: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account_id][get_partition(region_name)]


class S3BucketPolicyResource(PutAgainOnUpdate, SandboxType, CloudFormationModel):
    _ref = "bucket"

    _fields = ("bucket", "properties")
    _type = "AWS::S3::BucketPolicy"

    @classmethod
    def _create(cls, account_id: str, region_name: str, resource_name: str,
                props: dict[str, Any]) -> S3BucketPolicyResource:
        bucket = props["Bucket"]
        s3_of(account_id, region_name).put_bucket_policy(bucket, json_text(props["PolicyDocument"]).encode())
        return cls(account_id, region_name, bucket, props)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
    ) -> None:
        s3_of(account_id, region_name).delete_bucket_policy(props_of(cloudformation_json).get("Bucket", resource_name))

    def delete(self, account_id: str, region_name: str) -> None:
        backend = s3_of(account_id, region_name)
        if self.bucket in backend.buckets:
            backend.delete_bucket_policy(self.bucket)
