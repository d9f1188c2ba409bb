"""``retention export --pool-id ID --bucket NAME [--endpoint-url URL] [--day YYYY-MM-DD]``.

Exit 0: export complete; 1: incomplete (checkpoint saved, run again to continue) or failed; 2: bad input
(including a same-day export that is already complete, unless --overwrite).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import sys

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from .export import ExportExists, export_pool
from .pacer import CLIENT_CONFIG
from .restore_check import restore_dry_run


def _day(value: str) -> str:
    try:
        return _dt.date.fromisoformat(value).isoformat()
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value}") from error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="retention export", description="Export a Cognito user pool to S3.")
    parser.add_argument("--pool-id", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--prefix", default="cognito-export")
    parser.add_argument("--endpoint-url")
    parser.add_argument("--region")
    parser.add_argument("--day", type=_day)
    parser.add_argument("--budget", type=float, default=10.0, help="Cognito requests per second (default 10)")
    parser.add_argument("--overwrite", action="store_true", help="write a new run if the day is complete")
    parser.add_argument("--restore-check", action="store_true", help="after a complete export, run the dry run")
    return parser


def main(argv: list[str] | None = None, *, cognito=None, s3=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "export":
        argv = argv[1:]
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:
        return 2 if exit_.code else 0
    if args.budget <= 0:
        print("--budget must be positive", file=sys.stderr)
        return 2
    kwargs = {"endpoint_url": args.endpoint_url, "region_name": args.region, "config": CLIENT_CONFIG}
    cognito = cognito or boto3.client("cognito-idp", **kwargs)
    s3 = s3 or boto3.client("s3", **kwargs)

    def progress(phase: str, counts: dict) -> None:
        print(f"\r{args.pool_id}: {phase}: {counts['users']} users, {counts['memberships']} memberships",
              end="", file=sys.stderr, flush=True)

    try:
        result = export_pool(cognito, s3, pool_id=args.pool_id, bucket=args.bucket, prefix=args.prefix,
                             day=args.day, budget_per_second=args.budget, overwrite=args.overwrite,
                             progress=progress)
    except (ExportExists, ValueError) as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 2
    except (ClientError, BotoCoreError) as error:  # before any export started, e.g. no such bucket
        print(f"\nexport failed: {error}", file=sys.stderr)
        return 1
    c = result.counts
    if not result.complete:
        why = f"failed ({result.error})" if result.error else "paused"
        print(f"\nexport {why}: {c.get('users', 0)} users so far; checkpoint {result.checkpoint_key}",
              file=sys.stderr)
        return 1
    print(f"\nexport complete: {c['users']} users ({c['disabled']} disabled, {c['federated']} federated), "
          f"{c['groups']} groups, {c['memberships']} memberships; s3://{args.bucket}/{result.manifest_key}",
          file=sys.stderr)
    if args.restore_check:
        assert result.manifest_key is not None  # a complete export has its manifest
        report = restore_dry_run(s3, args.bucket, result.manifest_key)
        print(f"restore dry run: {'ok' if report.ok else 'FAILED'} {report.summary()}", file=sys.stderr)
        return 0 if report.ok else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
