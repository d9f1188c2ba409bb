#!/usr/bin/env bash
# Smoke test after a deployment (design phase 6): an on-demand backup of one protected table into its
# local vault, then its copy into the backup account, each polled until it ends or the time limit passes.
#   scripts/smoke.sh --env ENV [--endpoint-url URL] [--config-dir DIR] [--timeout SECONDS]
# Exit 0 when both jobs COMPLETED, 1 when one failed or did not finish in time, 2 on bad input.
# The recovery points it creates are real backups with the category's retention: nothing is deleted.
set -uo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

env="" endpoint=() config_dir=() limit=3600
while [ $# -gt 0 ]; do
  case "$1" in
    --env) need_value "$1" "${2:-}"; env="$2"; shift 2 ;;
    --endpoint-url) need_value "$1" "${2:-}"; endpoint=(--endpoint-url "$2"); shift 2 ;;
    --config-dir) need_value "$1" "${2:-}"; config_dir=(--config-dir "$2"); shift 2 ;;
    --timeout) need_value "$1" "${2:-}"; limit="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[ -n "$env" ] || die "--env is required"
case "$limit" in ''|*[!0-9]*) die "--timeout must be a number of seconds" ;; esac
bootstrap
cd "$RETENTION_ROOT" || exit 2

target="$(retention smoke-target --env "$env" "${config_dir[@]}")" || exit 2
IFS=$'\t' read -r table vault role destination days <<<"$target"
profile="$(retention config show --env "$env" "${config_dir[@]}" | "$RETENTION_PY" -c 'import json,sys; print((json.load(sys.stdin).get("profiles") or {}).get("environment") or "")')"
region="$(retention config show --env "$env" "${config_dir[@]}" | "$RETENTION_PY" -c 'import json,sys; print(json.load(sys.stdin)["primary_region"])')"
aws_env() {
  local args=(--region "$region" "${endpoint[@]}" --output text)
  [ -n "$profile" ] && args+=(--profile "$profile")
  aws "${args[@]}" "$@"
}

# poll KIND ID: echo the final state, or TIMEOUT
poll() {
  local kind="$1" id="$2" started state
  started=$(date +%s)
  while :; do
    if [ "$kind" = backup ]; then
      state="$(aws_env backup describe-backup-job --backup-job-id "$id" --query State)" || return 1
    else
      state="$(aws_env backup describe-copy-job --copy-job-id "$id" --query CopyJob.State)" || return 1
    fi
    case "$state" in COMPLETED|FAILED|ABORTED|EXPIRED|PARTIAL) echo "$state"; return 0 ;; esac
    if [ $(( $(date +%s) - started )) -ge "$limit" ]; then echo TIMEOUT; return 0; fi
    sleep 15
  done
}

step "smoke: on-demand backup of $table into $vault"
job="$(aws_env backup start-backup-job --backup-vault-name "$vault" --resource-arn "$table" --iam-role-arn "$role" \
  --lifecycle "DeleteAfterDays=$days" --query BackupJobId)" || fail "start-backup-job was refused (see above)"
state="$(poll backup "$job")" || fail "describe-backup-job failed"
say "    backup job $job: $state"
[ "$state" = COMPLETED ] || fail "the backup job ended $state$( [ "$state" = TIMEOUT ] && echo " (not finished after $limit s)")"

point="$(aws_env backup describe-backup-job --backup-job-id "$job" --query RecoveryPointArn)"
step "smoke: copy of $point into $destination"
copy="$(aws_env backup start-copy-job --recovery-point-arn "$point" --source-backup-vault-name "$vault" \
  --destination-backup-vault-arn "$destination" --iam-role-arn "$role" --lifecycle "DeleteAfterDays=$days" \
  --query CopyJobId)" || fail "start-copy-job was refused (see above)"
state="$(poll copy "$copy")" || fail "describe-copy-job failed"
say "    copy job $copy: $state"
if [ "$state" != COMPLETED ]; then
  reason="$(aws_env backup describe-copy-job --copy-job-id "$copy" --query CopyJob.StatusMessage 2>/dev/null)"
  fail "the copy job ended $state: $reason"
fi
step "smoke: passed (backup and cross-account copy of one table completed)"
