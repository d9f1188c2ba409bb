"""Which resources a drill restores, from which vault, into which scratch names, against which RTO.

Why here and not in the command: the rules about what may be drilled (inventory ids only, tables and buckets
for now, SSN data only by name and only while a break-glass is open) are the drill's safety, and they are
tested without AWS. A scratch name carries the drill's UTC stamp, and a tag carries it too: the clean-up
deletes a resource only when both say this drill made it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Sequence

from audit.arns import dynamodb_table_arn, s3_bucket_arn
from audit.sources.live import source_vault_name

TABLE, BUCKET = "dynamodb table", "s3 bucket"
TAG_KEY = "compact-retention:drill"
RUNBOOK = "docs/runbooks/break-glass.md"
BUCKET_NAME_LIMIT = 63


class DrillInputError(Exception):
    """Bad input or an unmet precondition: exit 2, the message names what is wrong."""


@dataclass(frozen=True)
class Target:
    id: str
    kind: str
    name: str
    arn: str
    category: str
    vault: str
    rto_seconds: int
    ssn: bool

    @property
    def resource_type(self) -> str:
        return "DynamoDB" if self.kind == TABLE else "S3"


def stamp(now: datetime) -> str:
    """The drill's id in names and tags: lowercase, so a bucket name may carry it."""
    return now.strftime("%Y%m%dt%H%M%Sz")


def scratch_name(target: Target, drill_id: str) -> str:
    """``<name>-drill-<stamp>``; a bucket's base is shortened to keep within 63 characters."""
    suffix = f"-drill-{drill_id}"
    if target.kind == BUCKET:
        return target.name[:BUCKET_NAME_LIMIT - len(suffix)].rstrip("-.") + suffix
    return target.name + suffix


def inventory(cfg: Mapping[str, Any]) -> list[Target]:
    """Every protected table and bucket of the inventory (excluded buckets are not backed up)."""
    region, account = cfg["primary_region"], cfg["environment_account_id"]
    policies = cfg["backup_policies"]
    found = []
    for kind, section, name_key in ((TABLE, "dynamodb_tables", "table_name"), (BUCKET, "s3_buckets", "bucket_name")):
        for item in cfg["inventory"][section]:
            if kind == BUCKET and item.get("excluded"):
                continue
            category = item.get("category") or ""
            policy = policies.get(category, {})
            name = item[name_key]
            arn = dynamodb_table_arn(region, account, name) if kind == TABLE else s3_bucket_arn(name)
            found.append(Target(item["id"], kind, name, arn, category, source_vault_name(cfg, item),
                                int(policy.get("rto_hours") or 0) * 3600, bool(policy.get("dedicated_vault"))))
    return found


def choose(cfg: Mapping[str, Any], ids: Sequence[str] | None, everything: bool) -> list[Target]:
    """The targets of ``--resource ID ...`` or ``--all`` (every protected resource but SSN data)."""
    known = inventory(cfg)
    if everything:
        return [t for t in known if not t.ssn]
    by_id = {t.id: t for t in known}
    pools = {p["id"] for p in cfg["inventory"].get("cognito_user_pools", [])}
    unknown = [i for i in dict.fromkeys(ids or []) if i not in by_id]
    if unknown:
        later = [i for i in unknown if i in pools]
        if later:
            raise DrillInputError(f"--resource {', '.join(later)}: user pool drills are a follow-up (issue 12); "
                                  f"this drill restores tables and buckets: {', '.join(by_id)}")
        raise DrillInputError(f"--resource: unknown id(s) {', '.join(unknown)}; the protected tables and buckets "
                              f"of {cfg['environment']} are {', '.join(by_id)}")
    return [by_id[i] for i in dict.fromkeys(ids or [])]
