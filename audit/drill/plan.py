"""Which resources a drill restores, from which vault, into which scratch names, against which RTO.

Why here and not in the command: the rules about what may be drilled (inventory ids only, SSN data only by
name and only while a break-glass is open) are the drill's safety, and they are tested without AWS. A scratch
name carries the drill's UTC stamp, and a tag carries it too: the clean-up deletes a resource only when both
say this drill made it.

User pools (``POOL``): AWS Backup cannot back them up; a pool is drilled from its newest complete export in
the export bucket (the inventory bucket ``cognito-export``), so its category, and with it its RTO, is that
bucket's (``export_data``): the configuration gives pools no category of their own.

Ids: the configuration may give a pool the id of a table or bucket (the example's ``staff-users`` is a table
and a pool, ``provider-users`` a bucket and a pool). ``--resource ID`` then means the table or bucket, as it
always has; ``pool:ID`` (also ``table:ID``, ``bucket:ID``) names one kind, and ``collisions`` lists such ids
so the command can say so. ``--all`` drills every kind.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Sequence

from audit.arns import dynamodb_table_arn, s3_bucket_arn
from audit.sources.live.build import source_vault_name

TABLE, BUCKET, POOL = "dynamodb table", "s3 bucket", "cognito user pool"
KIND_PREFIXES = {"table": TABLE, "bucket": BUCKET, "pool": POOL}
EXPORT_BUCKET_ID, EXPORT_CATEGORY = "cognito-export", "export_data"  # as audit.config.validate names them
TAG_KEY = "compact-retention:drill"
RUNBOOK = "docs/runbooks/break-glass.md"
BUCKET_NAME_LIMIT = 63
POOL_NAME_LIMIT = 128


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
    export_bucket: str = ""  # pools: the bucket that holds their exports

    @property
    def resource_type(self) -> str:
        return {TABLE: "DynamoDB", BUCKET: "S3", POOL: "CognitoUserPool"}[self.kind]

    @property
    def pool_id(self) -> str:
        return self.arn.rsplit("/", 1)[-1] if self.kind == POOL else ""


def stamp(now: datetime) -> str:
    """The drill's id in names and tags: lowercase, so a bucket name may carry it."""
    return now.strftime("%Y%m%dt%H%M%Sz")


def scratch_name(target: Target, drill_id: str) -> str:
    """``<name>-drill-<stamp>``; a bucket's base is shortened to keep within 63 characters, a pool's within 128."""
    suffix = f"-drill-{drill_id}"
    if target.kind == BUCKET:
        return target.name[:BUCKET_NAME_LIMIT - len(suffix)].rstrip("-.") + suffix
    if target.kind == POOL:  # a pool name has at most 128 characters
        return target.name[:POOL_NAME_LIMIT - len(suffix)] + suffix
    return target.name + suffix


def inventory(cfg: Mapping[str, Any]) -> list[Target]:
    """Every protected table, bucket and user pool of the inventory (excluded buckets are not backed up)."""
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
    return found + pools(cfg)


def pools(cfg: Mapping[str, Any]) -> list[Target]:
    """Every inventory user pool, drilled from the export bucket and timed against that bucket's category."""
    region, account = cfg["primary_region"], cfg["environment_account_id"]
    bucket: dict[str, Any] = next((b for b in cfg["inventory"]["s3_buckets"] if b["id"] == EXPORT_BUCKET_ID), {})
    category = bucket.get("category") or EXPORT_CATEGORY
    rto = int(cfg["backup_policies"].get(category, {}).get("rto_hours") or 0) * 3600
    return [Target(p["id"], POOL, p["user_pool_name"],
                   f"arn:aws:cognito-idp:{region}:{account}:userpool/{p.get('user_pool_id', '')}",
                   category, "", rto, False, bucket.get("bucket_name", ""))
            for p in cfg["inventory"].get("cognito_user_pools", [])]


def collisions(cfg: Mapping[str, Any]) -> list[str]:
    """Ids that name a user pool and a table or bucket: ``ID`` means the latter, ``pool:ID`` the pool."""
    known = inventory(cfg)
    backed_up = {t.id for t in known if t.kind != POOL}
    return [f"{t.id} names a {next(k.kind for k in known if k.id == t.id and k.kind != POOL)} and a user pool: "
            f"--resource {t.id} drills the former, --resource pool:{t.id} the pool"
            for t in known if t.kind == POOL and t.id in backed_up]


def choose(cfg: Mapping[str, Any], ids: Sequence[str] | None, everything: bool) -> list[Target]:
    """The targets of ``--resource ID ...`` or ``--all`` (every protected resource but SSN data)."""
    known = inventory(cfg)
    if everything:
        return [t for t in known if not t.ssn]
    by_name: dict[str, Target] = {}
    for t in known:  # a table or bucket keeps the bare id when a pool shares it (module docstring)
        prefix = next(p for p, k in KIND_PREFIXES.items() if k == t.kind)
        by_name[f"{prefix}:{t.id}"] = t
        if t.kind != POOL or t.id not in by_name:
            by_name[t.id] = t
    unknown = [i for i in dict.fromkeys(ids or []) if i not in by_name]
    if unknown:
        names = ", ".join(dict.fromkeys([t.id if by_name[t.id] is t else f"pool:{t.id}" for t in known]))
        raise DrillInputError(f"--resource: unknown id(s) {', '.join(unknown)}; the protected tables, buckets and "
                              f"user pools of {cfg['environment']} are {names}")
    return list(dict.fromkeys(by_name[i] for i in dict.fromkeys(ids or [])))
