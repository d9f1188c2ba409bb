"""Helpers the controls share: which rules protect a resource, and how resources are named."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterator

from audit.controls import Outcome
from audit.snapshot import Posture, describe


def protecting_rules(posture: Posture, arn: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(plan, rule) for every rule of every plan selecting ``arn``."""
    for plan in posture.plans_selecting(arn):
        for rule in plan["rules"]:
            yield plan, rule


def rule_label(plan: dict[str, Any], rule: dict[str, Any]) -> str:
    return f"plan {plan['name']} rule {rule['name']}"


def resources_of_category(posture: Posture, category: str) -> list[dict[str, Any]]:
    return [r for r in posture.protected() if r.get("category") == category]


def protected_with_rules(posture: Posture) -> Iterator[tuple[dict[str, Any], list[tuple[dict[str, Any], dict[str, Any]]]]]:
    """(resource, [(plan, rule)]) for every protected resource."""
    for resource in posture.protected():
        yield resource, list(protecting_rules(posture, resource["arn"]))


def protected_buckets(posture: Posture, outcome: Outcome) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, bucket) for every protected bucket of the inventory found in the posture; a missing one is
    recorded on ``outcome`` as a failure (absence fails)."""
    for item in posture.protected():
        if item["kind"] != "s3 bucket":
            continue
        name = describe(item)
        outcome.subject(name)
        bucket = posture.bucket(item["arn"])
        if bucket is None:
            outcome.check(False, f"{name}: not found in the {posture.mode} posture")
            continue
        yield name, bucket


def parse_time(value: str) -> datetime:
    """An ISO 8601 UTC time of a snapshot (``2026-11-27T02:00:00Z``)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def taken_at(posture: Posture) -> datetime:
    """When the live snapshot was taken: the "now" of every age a live control computes."""
    taken = posture.data.get("taken_at")
    return parse_time(taken) if taken else datetime.now(timezone.utc)


__all__ = ["protected_buckets", "describe", "protecting_rules", "rule_label", "resources_of_category", "protected_with_rules",
           "parse_time", "taken_at"]
