"""Seed the sandbox's user pools with synthetic users, for the demo and the export tests.

``python -m sandbox.seed_users --env ENV [--config-dir DIR] --endpoint-url URL [--users N]`` gives every
inventory pool N users (``user00001@example.org``: example.org is reserved, never a person): every custom
attribute the pool declares filled in, user i in the pool's group i mod groups, every fifth user in a second
group, every fourth in none, every seventh disabled, and three unconfirmed sign-ups. Returns what it made
(counts, no addresses) so a test can compare an export with it.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from sandbox.exports import session

UNCONFIRMED = 3
PASSWORD = "Sandbox-Passw0rd!"  # a synthetic user's password in a local sandbox, never a real one


def seed_pool(cognito: Any, pool_id: str, users: int) -> dict[str, Any]:
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    custom = [a["Name"] for a in pool.get("SchemaAttributes", []) if a["Name"].startswith("custom:")]
    groups = [g["GroupName"] for page in cognito.get_paginator("list_groups").paginate(UserPoolId=pool_id) for g in page["Groups"]]
    by_email = "email" in (pool.get("UsernameAttributes") or [])
    made = {"users": 0, "disabled": 0, "memberships": 0, "groups": len(groups), "unconfirmed": 0}
    for i in range(users):
        email = f"user{i:05d}@example.org"
        attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
        attributes += [{"Name": name, "Value": f"{name.split(':', 1)[1]}-{i % 7}"} for name in custom]
        username = email if by_email else f"user{i:05d}"
        cognito.admin_create_user(UserPoolId=pool_id, Username=username, UserAttributes=attributes, MessageAction="SUPPRESS")
        made["users"] += 1
        if groups and i % 4 != 3:
            for group in dict.fromkeys([groups[i % len(groups)], *([groups[(i + 1) % len(groups)]] if i % 5 == 0 else [])]):
                cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
                made["memberships"] += 1
        if i % 7 == 0:
            cognito.admin_disable_user(UserPoolId=pool_id, Username=username)
            made["disabled"] += 1
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="sandbox-seed")["UserPoolClient"]["ClientId"]
    for i in range(UNCONFIRMED):
        email = f"pending{i:05d}@example.org"
        cognito.sign_up(ClientId=client_id, Username=email if by_email else f"pending{i:05d}", Password=PASSWORD,
                        UserAttributes=[{"Name": "email", "Value": email}])
        made["users"] += 1
        made["unconfirmed"] += 1
    return made


def main(argv: list[str] | None = None) -> int:
    from audit.config import ConfigError, load_config

    parser = argparse.ArgumentParser(prog="python -m sandbox.seed_users", description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", required=True)
    parser.add_argument("--config-dir", default=None)
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--users", type=int, default=150)
    args = parser.parse_args(argv)
    if args.users < 0:
        parser.error("--users must be 0 or more")
    try:
        cfg = load_config(args.env, args.config_dir).data
    except ConfigError as exc:
        print(f"seed_users: error: {exc}", file=sys.stderr)
        return 2
    cognito = session(cfg["environment_account_id"], cfg["primary_region"]).client("cognito-idp", endpoint_url=args.endpoint_url)
    for pool in cfg["inventory"]["cognito_user_pools"]:
        made = seed_pool(cognito, pool["user_pool_id"], args.users)
        print(f"  {pool['id']} ({pool['user_pool_id']}): {made['users']} users ({made['disabled']} disabled, "
              f"{made['unconfirmed']} unconfirmed), {made['memberships']} memberships in {made['groups']} groups")
    return 0


if __name__ == "__main__":
    sys.exit(main())
