"""``retention smoke-target``: what scripts/smoke.sh backs up on demand, from the configuration (TSV)."""
from __future__ import annotations

import argparse
from typing import Any

from audit.cli.common import EXIT_OK, UsageError, env_args, tsv_line


def cmd_smoke_target(args: argparse.Namespace) -> int:
    """What the smoke test backs up: the first protected table of a general category (SSN vaults accept
    on-demand jobs from nobody), its local vault, role, destination vault and retention (TSV)."""
    from audit.arns import dynamodb_table_arn, iam_role_arn
    from audit.config import load_config

    cfg = load_config(args.env, args.config_dir).data
    for table in cfg["inventory"]["dynamodb_tables"]:
        policy = cfg["backup_policies"][table["category"]]
        if policy["dedicated_vault"]:
            continue
        print(tsv_line({"table": dynamodb_table_arn(cfg["primary_region"], cfg["environment_account_id"], table["table_name"]),
                         "vault": cfg["vault_names"]["general"],
                         "role": iam_role_arn(cfg["environment_account_id"], cfg["roles"]["general_backup_role_name"]),
                         "destination": policy["cross_account_vault_arn"],
                         "days": str(policy["lifecycle"]["delete_after_days"])}, "smoke target"))
        return EXIT_OK
    raise UsageError(f"--env {args.env}: no DynamoDB table of a general category to back up")


def add_parser(sub: Any) -> None:
    smoke = sub.add_parser("smoke-target", help="the table, vaults, role and retention scripts/smoke.sh uses (TSV)")
    env_args(smoke)
    smoke.set_defaults(func=cmd_smoke_target)
