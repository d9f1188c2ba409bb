"""Coverage beyond tables, buckets and user pools (the design's "Others?"): every resource the templates
create of a type that holds data (log groups, secrets, parameters, event archives, queues, event data
stores, and buckets or tables that are not application data) is named in the inventory, with how it is
protected and why. A template that adds one the inventory does not name fails, so the decision is made
when the resource is added, not discovered after it was lost.

Which types hold data is the static source's ``PERSISTED_TYPES``; each persisted resource of the snapshot
carries its inventory ``kind``, so this module needs no list of its own.
"""
from __future__ import annotations

import re

from audit.controls import Outcome
from audit.controls.registry import STATIC, control
from audit.snapshot import Posture

GENERATED_NAME = re.compile(r"\{\{[^{}]+\.[A-Za-z]+\}\}")  # a name CloudFormation would generate at deploy time
LISTS = {"dynamodb-table": "dynamodb_tables", "s3-bucket": "s3_buckets", "user-pool": "cognito_user_pools"}


def _listed(posture: Posture) -> dict[tuple[str, str], str]:
    """(kind, name) -> how the inventory lists it, for evidence."""
    inventory = posture.data["inventory"]
    listed: dict[tuple[str, str], str] = {}
    for table in inventory["tables"]:
        listed[("dynamodb-table", table["name"])] = f"inventory.dynamodb_tables, category {table.get('category')}"
    for bucket in inventory["buckets"]:
        how = "excluded" if bucket.get("excluded") else f"category {bucket.get('category')}"
        listed[("s3-bucket", bucket["name"])] = f"inventory.s3_buckets, {how}"
    for pool in inventory["user_pools"]:
        listed[("user-pool", pool["name"])] = "inventory.cognito_user_pools, protected by the Cognito exporter"
    for entry in inventory.get("other_data", []):
        listed.setdefault((entry["kind"], entry["name"]), f"inventory.other_data {entry['id']}, protection {entry['protection']}")
    return listed


@control("COV-06", "every persisted resource the templates create is in the inventory with its protection and "
         "reason",
         severity="medium", modes=STATIC,
         fix="name the resource (a fixed physical name) and list it in the inventory: tables in dynamodb_tables, "
             "application buckets in s3_buckets, user pools in cognito_user_pools, anything else in other_data "
             "with its protection (code, exporter or excluded) and the reason")
def persisted_resources_inventoried(posture: Posture) -> Outcome:
    outcome = Outcome()
    listed = _listed(posture)
    for resource in posture.data.get("persisted", []):
        kind, name = resource["kind"], resource["name"]
        label = f"{kind} {name}"
        outcome.subject(label)
        if GENERATED_NAME.search(name):
            outcome.check(False, f"{label}: no fixed name, so no inventory can name it or find it after a restore",
                          origin=resource.get("origin"))
            continue
        how = listed.get((kind, name))
        where = LISTS.get(kind, "other_data")
        outcome.check(how is not None, f"{label}: {how}" if how else f"{label}: not in the inventory (inventory.{where})",
                      origin=resource.get("origin"))
    return outcome
