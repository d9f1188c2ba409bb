#!/usr/bin/env bash
# SSN break-glass (docs/runbooks/break-glass.md): open, close or report the documented temporary statements
# on the local and cross-account SSN vaults and keys.
#
#   scripts/break-glass.sh open   --env ENV --role-arn ARN --ticket ID [--dry-run] [--endpoint-url URL]
#   scripts/break-glass.sh close  --env ENV [--ticket ID] [--dry-run] [--endpoint-url URL]
#   scripts/break-glass.sh status --env ENV [--endpoint-url URL]
#   more: [--config-dir DIR] [--assume-role environment=ARN] [--assume-role backup=ARN]
#
# Run it as the break-glass role of each account (profiles of the configuration, or --assume-role): only
# that role may change the SSN vault policies. open refuses without --ticket or with a role that is not the
# configured break-glass role of the environment account (exit 2); a second open or close is a no-op.
# --dry-run prints the JSON diff of every policy and changes nothing. A step that fails stops the run and
# names what is open and what is not (exit 1). status exits 0 when closed, 1 when anything is open.
# One implementation: this calls 'retention break-glass' (audit/break_glass/ops.py). Nothing is deleted.
set -uo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

action="${1:-}"
case "$action" in
  open|close|status) shift ;;
  -h|--help) usage; exit 0 ;;
  "") usage >&2; die "an action is required: open, close or status" ;;
  *) die "unknown action: $action (open, close or status; see --help)" ;;
esac
args=() env=""
while [ $# -gt 0 ]; do
  case "$1" in
    --env) need_value "$1" "${2:-}"; env="$2"; args+=("$1" "$2"); shift 2 ;;
    --role-arn|--ticket|--endpoint-url|--config-dir|--assume-role|--templates-dir)
      need_value "$1" "${2:-}"; args+=("$1" "$2"); shift 2 ;;
    --dry-run) args+=("$1"); shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[ -n "$env" ] || die "--env is required (one of the files in config/)"
bootstrap
cd "$RETENTION_ROOT" || exit 2
retention break-glass "$action" "${args[@]}"
