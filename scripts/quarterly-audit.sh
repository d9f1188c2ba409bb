#!/usr/bin/env bash
# The quarterly audit: for each environment, the static audit of the templates, the live audit of the
# accounts and the drift between them, in one evidence pack per environment (retention audit --mode live
# --evidence), each pack then re-checked against its MANIFEST.sha256. docs/evidence.md says what is in it.
#   scripts/quarterly-audit.sh --env ENV|all [--evidence DIR] [--endpoint-url URL] [--config-dir DIR] [--jobs N] [--drill]
#   --evidence DIR      where the packs go (default: reports/evidence); one DIR/<env>-live-<UTC time>/ each
#   --endpoint-url URL  a local AWS (the sandbox) instead of AWS
#   --config-dir DIR    the configuration (default: config/)
#   --jobs N            --env all: environments audited at once (default: all, at most 8)
#   --drill             also the restore drill of each environment (retention drill --all: every protected
#                       table, bucket and user pool but SSN data), into its own verified pack DIR/<env>-drill-<UTC time>/
# Exit 0 every control holds, nothing drifted (and every drill passed), 1 a control, the drift, a drill or a
# pack failed, 2 bad input.
set -uo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

absolute() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }

env="" evidence="" config_dir="" drill=0 options=() access=()
while [ $# -gt 0 ]; do
  case "$1" in
    --env) need_value "$1" "${2:-}"; env="$2"; shift 2 ;;
    --evidence) need_value "$1" "${2:-}"; evidence="$(absolute "$2")"; shift 2 ;;
    --config-dir) need_value "$1" "${2:-}"; config_dir="$(absolute "$2")"; shift 2 ;;
    --endpoint-url) need_value "$1" "${2:-}"; options+=("$1" "$2"); access+=("$1" "$2"); shift 2 ;;
    --jobs) need_value "$1" "${2:-}"; options+=("$1" "$2"); shift 2 ;;
    --drill) drill=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[ -n "$env" ] || die "--env is required: an environment name (config/<env>.json) or all"
[ -n "$config_dir" ] && options+=(--config-dir "$config_dir") && access+=(--config-dir "$config_dir")
bootstrap
cd "$RETENTION_ROOT" || exit 2
evidence="${evidence:-$RETENTION_ROOT/reports/evidence}"
# RETENTION_QUARTERLY_BIN (tests only) names a folder holding a stand-in for retention, so the order of the
# steps, the options passed on and the exit codes can be shown without AWS (tests/scripts/test_quarterly_audit.py).
retention_cmd=(retention)
[ -n "${RETENTION_QUARTERLY_BIN:-}" ] && retention_cmd=("$RETENTION_QUARTERLY_BIN/retention")

# worst CODE...: the worst exit code (2 bad input, then 1 a failure, then 0).
worst() {
  local w=0 c
  for c in "$@"; do
    if [ "$w" -eq 2 ] || [ "$c" -eq 2 ]; then w=2; elif [ "$c" -ne 0 ]; then w=1; fi
  done
  echo "$w"
}

step "configuration of $env"
"${retention_cmd[@]}" config validate --env "$env" ${config_dir:+--config-dir "$config_dir"} >/dev/null || exit 2

step "static audit, live audit and drift of $env, into evidence packs under $evidence"
output="$(mktemp)" || die "no temporary file"
trap 'rm -f "$output"' EXIT
"${retention_cmd[@]}" audit --mode live --env "$env" --evidence "$evidence" "${options[@]}" | tee "$output"
status=${PIPESTATUS[0]}

packs=$(sed -n 's/^evidence: //p' "$output")
[ -n "$packs" ] || { [ "$status" -ne 0 ] && exit "$status"; fail "the audit wrote no evidence pack"; }
step "verifying the packs against their manifests"
while IFS= read -r pack; do
  "${retention_cmd[@]}" evidence verify "$pack" || status=$(worst "$status" 1)
done <<< "$packs"

if [ $drill -eq 1 ]; then
  if [ "$env" = all ]; then
    mapfile -t drill_envs < <("$RETENTION_PY" -c 'import sys
from pathlib import Path
from audit.config.loader import list_environments
print("\n".join(list_environments(Path(sys.argv[1]) if sys.argv[1] else None)))' "$config_dir")
  else
    drill_envs=("$env")
  fi
  for drill_env in "${drill_envs[@]}"; do
    step "restore drill of $drill_env (every protected table, bucket and user pool but SSN data), into a pack under $evidence"
    "${retention_cmd[@]}" drill --env "$drill_env" --all --evidence "$evidence" "${access[@]}" | tee "$output"
    code=${PIPESTATUS[0]}
    drill_packs=$(sed -n 's/^evidence: //p' "$output")
    if [ -z "$drill_packs" ]; then
      say "quarterly-audit.sh: the drill of $drill_env wrote no evidence pack (exit $code)"
      [ "$code" -eq 0 ] && code=1
    else
      "${retention_cmd[@]}" evidence verify "$drill_packs" || code=$(worst "$code" 1)
    fi
    status=$(worst "$status" "$code")
  done
fi

what="every control holds and nothing drifted"
[ $drill -eq 1 ] && what="$what, every drill passed"
if [ "$status" -eq 0 ]; then
  step "quarterly audit passed: $what"
else
  say "quarterly-audit.sh: the audit found problems (exit $status); the packs hold the evidence"
fi
exit "$status"
