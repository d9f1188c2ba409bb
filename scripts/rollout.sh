#!/usr/bin/env bash
# Staged rollout (design phase 6): test, then beta, then prod. Each environment passes four steps in
# order, and the rollout stops at the first step that fails, naming the environment and the step:
#   gate        scripts/gate.sh: configuration, cfn-lint, checkov, static audit (no AWS access)
#   deploy      scripts/deploy.sh: the stacks in order (it runs the gate again before it deploys)
#   live audit  retention audit --mode live: every control against the environment's two accounts
#   smoke       scripts/smoke.sh: an on-demand backup and cross-account copy of one table
#
#   scripts/rollout.sh [--dry-run] [--from ENV] [--first-deploy] [--endpoint-url URL] [--config-dir DIR]
#
#   --dry-run       print the plan, run the gate of every environment and 'deploy.sh --dry-run' of the first
#                   one only (later change sets would be stale by the time their turn comes, and a dry run
#                   leaves no REVIEW_IN_PROGRESS stacks in beta or prod); deploy nothing, audit nothing live
#   --from ENV      start at ENV (test, beta or prod), e.g. after fixing what stopped an earlier rollout
#   --first-deploy  the environments hold no backups or exports yet: the live audit leaves out the controls
#                   that need a day of history (scenarios tagged @needs-history); run the full live audit the
#                   next day (retention audit --mode live --env ENV)
#   --endpoint-url  a local AWS (the sandbox) for every step that talks to AWS
#   --config-dir    folder of the configuration (default: config/)
#
# Exit 0 when every environment passed, 1 when a step failed, 2 on bad input (arguments, configuration,
# credentials) here or in a step. Nothing is deleted or rolled back: a failed step leaves its environment
# as that step left it, and the environments after it untouched.
set -uo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

ENVIRONMENTS=(test beta prod)
# Live controls that need a day of scheduled backups (recovery points, copies) or exports to pass.

dry_run=0 first_deploy=0 from="${ENVIRONMENTS[0]}" endpoint=() config_dir=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1; shift ;;
    --from) need_value "$1" "${2:-}"; from="$2"; shift 2 ;;
    --first-deploy) first_deploy=1; shift ;;
    --endpoint-url) need_value "$1" "${2:-}"; endpoint=(--endpoint-url "$2"); shift 2 ;;
    --config-dir) need_value "$1" "${2:-}"; config_dir=(--config-dir "$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

start=-1
for i in "${!ENVIRONMENTS[@]}"; do [ "${ENVIRONMENTS[$i]}" = "$from" ] && start=$i; done
[ "$start" -ge 0 ] || die "--from $from: not an environment of the rollout (known: ${ENVIRONMENTS[*]})"
plan=("${ENVIRONMENTS[@]:$start}")

bootstrap
cd "$RETENTION_ROOT" || exit 2

# The commands of the steps. RETENTION_ROLLOUT_BIN (tests only) names a folder of stand-ins for gate.sh,
# deploy.sh, smoke.sh and retention, so the order and the stops can be shown without AWS.
scripts="$RETENTION_ROOT/scripts" retention_cmd=(retention)
if [ -n "${RETENTION_ROLLOUT_BIN:-}" ]; then
  scripts="$RETENTION_ROLLOUT_BIN" retention_cmd=("$RETENTION_ROLLOUT_BIN/retention")
fi

audit_tags=()
if [ $first_deploy -eq 1 ]; then
  audit_tags=(--tags "not needs-history")
fi

rolled_out=()
# run_step ENV STEP COMMAND...: run one step; on failure say what was and was not rolled out, and stop.
run_step() {
  local env="$1" name="$2" rc
  shift 2
  step "[$env] $name"
  "$@"
  rc=$?
  [ $rc -eq 0 ] && return 0
  local after=() seen=0 e
  for e in "${plan[@]}"; do
    [ $seen -eq 1 ] && after+=("$e")
    [ "$e" = "$env" ] && seen=1
  done
  say "rolled out: ${rolled_out[*]:-none}; stopped in $env at '$name'; not started: ${after[*]:-none}"
  local why="see above"
  [ "$name" = "live audit" ] && why="reports/$env/live/report.html says why"
  [ "$name" = gate ] && why="reports/$env/gate/report.html says why if the static audit failed"
  [ $rc -eq 2 ] && die "$env: $name: bad input ($why); the rollout stopped there"
  fail "$env: $name failed ($why); the rollout stopped there"
}

step "rollout plan: ${plan[*]}$([ $dry_run -eq 1 ] && echo " (dry run)")"
for env in "${plan[@]}"; do
  if [ $dry_run -eq 1 ]; then
    say "    $env: gate$([ "$env" = "${plan[0]}" ] && echo ", deploy --dry-run")"
  else
    say "    $env: gate, deploy, live audit${audit_tags[*]:+ (without the controls tagged @needs-history)}, smoke"
  fi
done

# Every configuration of the plan is valid before anything starts: a broken prod file stops the rollout
# before test is touched.
for env in "${plan[@]}"; do
  "${retention_cmd[@]}" config validate --env "$env" "${config_dir[@]}" >/dev/null ||
    die "$env: the configuration is invalid (see above); nothing was rolled out"
done

for env in "${plan[@]}"; do
  run_step "$env" gate "$scripts/gate.sh" --env "$env" "${config_dir[@]}"
  if [ $dry_run -eq 1 ]; then
    if [ "$env" = "${plan[0]}" ]; then
      run_step "$env" "deploy (dry run)" "$scripts/deploy.sh" --env "$env" --dry-run "${config_dir[@]}" "${endpoint[@]}"
    fi
    continue
  fi
  run_step "$env" deploy "$scripts/deploy.sh" --env "$env" "${config_dir[@]}" "${endpoint[@]}"
  run_step "$env" "live audit" "${retention_cmd[@]}" audit --mode live --env "$env" "${config_dir[@]}" "${endpoint[@]}" \
    --report-dir "$RETENTION_ROOT/reports/$env/live" "${audit_tags[@]}"
  run_step "$env" smoke "$scripts/smoke.sh" --env "$env" "${config_dir[@]}" "${endpoint[@]}"
  rolled_out+=("$env")
done

if [ $dry_run -eq 1 ]; then
  step "dry run complete: gates passed for ${plan[*]}; change sets created for ${plan[0]} only; nothing deployed"
else
  step "rolled out ${rolled_out[*]}: gate, deploy, live audit and smoke test passed in each"
  [ $first_deploy -eq 1 ] && say "after a day of scheduled backups, run: retention audit --mode live --env ENV (for each of ${rolled_out[*]})"
fi
exit 0
