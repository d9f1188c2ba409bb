"""Amazon Resource Names: parse and build the few ARN shapes this product handles.

Kept tiny on purpose: boto3 has no public ARN parser, and the audit needs only the six colon fields.
"""
from __future__ import annotations

from dataclasses import dataclass


class ArnError(ValueError):
    """Not an ARN."""


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @property
    def resource_type(self) -> str:
        for sep in (":", "/"):
            if sep in self.resource:
                return self.resource.split(sep, 1)[0]
        return ""

    @property
    def resource_name(self) -> str:
        for sep in (":", "/"):
            if sep in self.resource:
                return self.resource.split(sep, 1)[1]
        return self.resource

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(value: str) -> Arn:
    parts = value.split(":", 5) if isinstance(value, str) else []
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
        raise ArnError(f"{value!r} is not an ARN (arn:partition:service:region:account:resource)")
    return Arn(*parts[1:])


def backup_vault_arn(region: str, account: str, name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:backup:{region}:{account}:backup-vault:{name}"


def dynamodb_table_arn(region: str, account: str, name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:dynamodb:{region}:{account}:table/{name}"


def s3_bucket_arn(name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:s3:::{name}"


def iam_role_arn(account: str, name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account}:role/{name}"
