"""Which credentials address which account of the sandbox.

moto picks the account of a request in this order (moto/core/responses.py, get_current_account):
  1. the MOTO_ACCOUNT_ID environment variable of the SERVER process (one account for everything; the
     sandbox server removes it at start so it cannot pin every request to one account),
  2. an `x-moto-account-id` request header (the AWS CLI cannot send it),
  3. the access key id: a key moto issued (IAM CreateAccessKey, STS AssumeRole) belongs to its account,
  4. otherwise the default account 123456789012.

The sandbox adds one rule to 3: an access key id of the form AKIA<12-digit account id>SBOX (20 characters)
belongs to that account, e.g. AKIA111111111111SBOX -> 111111111111. The secret is not checked (moto checks
no signature unless its IAM authentication is switched on). `aws sts get-caller-identity` then answers that
account with the ARN arn:aws:sts::<account>:user/moto. Keys that moto issued keep working as before.

    python -m sandbox.accounts key 111111111111          # prints AKIA111111111111SBOX
    python -m sandbox.accounts setup --env example --out DIR [--config-dir config]
        writes DIR/aws-config (a profile per side of the environment) and DIR/config/ (a copy of the
        configuration whose <env>.json names those profiles), for scripts/deploy.sh --config-dir DIR/config
        with AWS_CONFIG_FILE=DIR/aws-config.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

KEY_PATTERN = re.compile(r"^AKIA(?P<account>\d{12})SBOX$")
SECRET = "sandbox-secret-not-checked"
DEFAULT_ACCOUNT = "123456789012"

_installed = False


def access_key_for(account_id: str) -> str:
    if not re.fullmatch(r"\d{12}", account_id):
        raise ValueError(f"not a 12-digit account id: {account_id!r}")
    return f"AKIA{account_id}SBOX"


def account_for_access_key(access_key_id: str) -> str | None:
    match = KEY_PATTERN.match(access_key_id or "")
    return match.group("account") if match else None


def install() -> None:
    """Teach moto the AKIA<account>SBOX keys (idempotent). Runs in the server process."""
    global _installed
    if _installed:
        return
    import moto.iam.models as iam_models

    original = iam_models.get_account_id_from

    def get_account_id_from(access_key: str) -> str:
        account = original(access_key)
        if account == iam_models.DEFAULT_ACCOUNT_ID:
            return account_for_access_key(access_key) or account
        return account

    get_account_id_from.__wrapped__ = original  # type: ignore[attr-defined]
    iam_models.get_account_id_from = get_account_id_from
    _installed = True


def profile_names(env: str) -> dict[str, str]:
    return {"environment": f"sandbox-{env}-environment", "backup": f"sandbox-{env}-backup"}


def aws_config_text(profiles: dict[str, tuple[str, str]]) -> str:
    """An AWS CLI config file: profile name -> (account id, region)."""
    lines = ["# AWS CLI profiles of the compact-retention sandbox (local moto server); not AWS credentials."]
    for name, (account, region) in profiles.items():
        lines += ["", f"[profile {name}]", f"region = {region}", f"aws_access_key_id = {access_key_for(account)}",
                  f"aws_secret_access_key = {SECRET}"]
    return "\n".join(lines) + "\n"


def setup(env: str, out: Path, config_dir: Path) -> dict[str, str]:
    """Write out/aws-config and out/config/ (config_dir copied, <env>.json naming the sandbox profiles)."""
    source = json.loads((config_dir / f"{env}.json").read_text())
    names = profile_names(env)
    out.mkdir(parents=True, exist_ok=True)
    (out / "aws-config").write_text(aws_config_text({
        names["environment"]: (source["environment_account_id"], source["primary_region"]),
        names["backup"]: (source["backup_account_id"], source["backup_region"]),
    }))
    target = out / "config"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(config_dir, target)
    source["profiles"] = dict(names)
    (target / f"{env}.json").write_text(json.dumps(source, indent=2) + "\n")
    return {"aws_config_file": str(out / "aws-config"), "config_dir": str(target), **names}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.accounts", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    key = sub.add_parser("key", help="the access key id that selects an account")
    key.add_argument("account")
    st = sub.add_parser("setup", help="AWS CLI profiles and a configuration copy for scripts/deploy.sh")
    st.add_argument("--env", required=True)
    st.add_argument("--out", required=True, type=Path)
    st.add_argument("--config-dir", type=Path, default=None,
                    help="default: config/ of the project directory (RETENTION_PROJECT_DIR or the current folder)")
    args = parser.parse_args(argv)
    if args.command == "key":
        print(access_key_for(args.account))
        return 0
    if args.config_dir is None:
        from audit.project import config_dir

        args.config_dir = config_dir()
    result = setup(args.env, args.out, args.config_dir)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
