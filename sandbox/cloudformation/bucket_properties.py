"""The AWS::S3::Bucket properties moto's CloudFormation ignores (it applies encryption and tags only),
applied through moto's S3 backend.
"""
from __future__ import annotations

import json
from typing import Any


def _flag(value: Any) -> str:
    return "true" if str(value).lower() == "true" else "false"


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule as moto's S3 model takes it (the shape of the parsed XML)."""
    result: dict[str, Any] = {"ID": rule.get("Id") or "rule", "Status": rule.get("Status", "Enabled"),
                              "Filter": {"Prefix": rule.get("Prefix") or ""}}
    if rule.get("ExpirationInDays") is not None:
        result["Expiration"] = {"Days": str(rule["ExpirationInDays"])}
    elif rule.get("ExpirationDate"):
        result["Expiration"] = {"Date": rule["ExpirationDate"]}
    noncurrent = rule.get("NoncurrentVersionExpiration") or (
        {"NoncurrentDays": rule["NoncurrentVersionExpirationInDays"]}
        if rule.get("NoncurrentVersionExpirationInDays") is not None else None)
    if noncurrent:
        result["NoncurrentVersionExpiration"] = {k: str(v) for k, v in noncurrent.items()}
    if rule.get("AbortIncompleteMultipartUpload"):
        result["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": str(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])}
    transitions = rule.get("Transitions") or ([rule["Transition"]] if rule.get("Transition") else [])
    if transitions:
        result["Transition"] = [{"Days": str(t.get("TransitionInDays")), "StorageClass": t["StorageClass"]}
                                for t in transitions]
    nv_transitions = rule.get("NoncurrentVersionTransitions") or []
    if nv_transitions:
        result["NoncurrentVersionTransition"] = [
            {"NoncurrentDays": str(t.get("TransitionInDays")), "StorageClass": t["StorageClass"]}
            for t in nv_transitions]
    return result


def apply_bucket_properties(backend: Any, name: str, props: dict[str, Any]) -> None:
    """The AWS::S3::Bucket properties moto's CloudFormation ignores (it applies encryption and tags only)."""
    rules = (props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration") or []
    if rules and rules[0].get("BucketKeyEnabled") is not None:  # moto's encryption drops BucketKeyEnabled
        bucket = backend.get_bucket(name)
        if bucket.encryption and "Rule" in bucket.encryption:
            bucket.encryption["Rule"]["BucketKeyEnabled"] = _flag(rules[0]["BucketKeyEnabled"])
    versioning = (props.get("VersioningConfiguration") or {}).get("Status")
    if versioning:
        backend.put_bucket_versioning(name, versioning)
    public_access = props.get("PublicAccessBlockConfiguration")
    if public_access:
        backend.put_public_access_block(name, {k: _flag(v) for k, v in public_access.items()})
    ownership = (props.get("OwnershipControls") or {}).get("Rules") or []
    if ownership:
        backend.put_bucket_ownership_controls(name, ownership=ownership[0]["ObjectOwnership"])
    lifecycle = (props.get("LifecycleConfiguration") or {}).get("Rules")
    if lifecycle:
        backend.put_bucket_lifecycle_configuration(name, [_lifecycle_rule(rule) for rule in lifecycle])
    logging_config = props.get("LoggingConfiguration")
    if logging_config is not None:
        _set_bucket_logging(backend, name, logging_config.get("DestinationBucketName") or name,
                            logging_config.get("LogFilePrefix", ""))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _set_bucket_logging(backend: Any, name: str, target_name: str, prefix: str) -> None:
    """moto's PutBucketLogging checks, without its crash on a policy statement whose Principal is "*"."""
    from moto.s3.exceptions import CrossLocationLoggingProhibited, InvalidTargetBucketForLogging

    bucket, target = backend.get_bucket(name), backend.buckets.get(target_name)
    if target is None:
        raise InvalidTargetBucketForLogging("The target bucket for logging does not exist.")
    target_arn = f"arn:{target.partition}:s3:::{target.name}"
    allowed = False
    if target.policy:
        for stmt in json.loads(target.policy.decode() if isinstance(target.policy, bytes) else target.policy)[
                "Statement"]:
            principal = stmt.get("Principal")
            services = _as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
            actions = _as_list(stmt.get("Action", []))
            resources = _as_list(stmt.get("Resource", []))
            if (stmt.get("Effect") == "Allow" and "logging.s3.amazonaws.com" in services
                    and any(a in ("s3:PutObject", "s3:*", "*") for a in actions)
                    and any(r in (f"{target_arn}/*", f"{target_arn}/{prefix}*", target_arn) for r in resources)):
                allowed = True
    if not allowed and not bucket._log_permissions_enabled_acl(target_bucket=target):
        raise InvalidTargetBucketForLogging(
            "You must either provide the necessary permissions to the logging service using a bucket policy or "
            "give the log-delivery group WRITE and READ_ACP permissions to the target bucket")
    if target.region_name != bucket.region_name:
        raise CrossLocationLoggingProhibited()
    bucket.logging = {"TargetBucket": target.name, "TargetPrefix": prefix}
