#!/usr/bin/env bash
# The whole flow on this machine, against the local sandbox (moto extended with AWS Backup):
# start the sandbox, turn on the account settings the setup guide asks for, deploy the sample application
# and every stack of the example environment with scripts/deploy.sh (restore testing included), seed synthetic
# users, run the night's Cognito exports, last week's backups, this cadence's restore tests (validated) and a
# day of backups, run the live audit and the drift report, and say where the reports are.
#   scripts/demo.sh [--port N] [--keep]
#   --keep  leave the sandbox running afterwards (scripts/sandbox.sh stop --port N ends it)
# The sandbox is a demo and test target: what it shows is never a claim about AWS (sandbox/README.md).
set -uo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

port=5000 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) need_value "$1" "${2:-}"; port="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
case "$port" in ''|*[!0-9]*) die "--port must be a number" ;; esac
bootstrap
cd "$RETENTION_ROOT" || exit 2
export AWS_EC2_METADATA_DISABLED=true

step "starting the sandbox on port $port"
url="$("$RETENTION_ROOT/scripts/sandbox.sh" start --port "$port" | head -n 1)" || die "the sandbox did not start"
[ $keep -eq 1 ] || trap '"$RETENTION_ROOT/scripts/sandbox.sh" stop --port "$port" >/dev/null 2>&1' EXIT

state="$RETENTION_ROOT/.state/demo"
rm -rf "$state" && mkdir -p "$state"
"$RETENTION_PY" -m sandbox.accounts setup --env example --out "$state" >/dev/null || die "could not write the sandbox profiles"
export AWS_CONFIG_FILE="$state/aws-config"
env_profile=sandbox-example-environment backup_profile=sandbox-example-backup

step "account settings (docs/setup.md steps 2-3): cross-account backup, S3 opt-in, DynamoDB advanced features"
aws --endpoint-url "$url" --profile "$env_profile" backup update-global-settings \
  --global-settings isCrossAccountBackupEnabled=true || fail "update-global-settings"
for profile in "$env_profile" "$backup_profile"; do
  aws --endpoint-url "$url" --profile "$profile" backup update-region-settings \
    --resource-type-opt-in-preference S3=true,DynamoDB=true \
    --resource-type-management-preference DynamoDB=true || fail "update-region-settings ($profile)"
done

step "deploying the sample application and the example environment"
"$RETENTION_ROOT/scripts/deploy.sh" --env example --config-dir "$state/config" --endpoint-url "$url" --with-sample-app ||
  fail "the deployment failed (see above)"

step "synthetic users in both user pools (user*@example.org), then the night's Cognito exports (02:00 UTC)"
"$RETENTION_PY" -m sandbox.seed_users --env example --config-dir "$state/config" --endpoint-url "$url" --users 150 ||
  fail "could not seed the user pools"
retention sandbox run-exports --env example --config-dir "$state/config" --endpoint-url "$url" ||
  fail "the Cognito export did not complete"

step "last week's backups: every plan runs once, as scheduled 7 days and 1 hour ago (what this week's restore tests restore)"
retention sandbox run-backups --env example --config-dir "$state/config" --endpoint-url "$url" \
  --at "$(date -u -d '-7 days -1 hour' +%Y-%m-%dT%H:%M:%SZ)" || fail "the job runner failed"

step "this cadence's restore tests: each plan at its latest scheduled start, validated by the validation function, then cleaned up"
retention sandbox run-restore-tests --env example --config-dir "$state/config" --endpoint-url "$url" --latest-due ||
  fail "a restore test or its validation failed"

step "a day of backups: every plan runs once, as scheduled 3 hours ago"
retention sandbox run-backups --env example --config-dir "$state/config" --endpoint-url "$url" \
  --at "$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%SZ)" || fail "the job runner failed"

step "live audit"
retention audit --mode live --env example --config-dir "$state/config" --endpoint-url "$url" \
  --report-dir "$RETENTION_ROOT/reports/example/live"
audit_status=$?
step "drift between the templates and the sandbox"
retention drift --env example --config-dir "$state/config" --endpoint-url "$url" \
  --report-dir "$RETENTION_ROOT/reports/example/drift"
drift_status=$?

say "reports: reports/example/live/report.html, reports/example/drift/drift.json"
[ $keep -eq 1 ] && say "the sandbox keeps running at $url (AWS_CONFIG_FILE=$state/aws-config; scripts/sandbox.sh stop --port $port)"
[ $audit_status -eq 0 ] && [ $drift_status -eq 0 ] || exit 1
step "demo passed: every control holds live, and the accounts hold what the templates say"
