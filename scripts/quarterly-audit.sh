#!/usr/bin/env bash
# The quarterly audit: for each environment, the static audit of the templates, the live audit of the
# accounts and the drift between them, in one evidence pack per environment (retention audit --mode live
# --evidence), each pack then re-checked against its MANIFEST.sha256. docs/evidence.md says what is in it.
#   scripts/quarterly-audit.sh --env ENV|all [--evidence DIR] [--endpoint-url URL] [--config-dir DIR] [--jobs N]
#   --evidence DIR      where the packs go (default: reports/evidence); one DIR/<env>-live-<UTC time>/ each
#   --endpoint-url URL  a local AWS (the sandbox) instead of AWS
#   --config-dir DIR    the configuration (default: config/)
#   --jobs N            --env all: environments audited at once (default: all, at most 8)
# Exit 0 every control holds and nothing drifted, 1 a control failed or something drifted, 2 bad input.
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

absolute() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }

env="" evidence="" config_dir="" options=()
while [ $# -gt 0 ]; do
  case "$1" in
    --env) need_value "$1" "${2:-}"; env="$2"; shift 2 ;;
    --evidence) need_value "$1" "${2:-}"; evidence="$(absolute "$2")"; shift 2 ;;
    --config-dir) need_value "$1" "${2:-}"; config_dir="$(absolute "$2")"; shift 2 ;;
    --endpoint-url|--jobs) need_value "$1" "${2:-}"; options+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[ -n "$env" ] || die "--env is required: an environment name (config/<env>.json) or all"
[ -n "$config_dir" ] && options+=(--config-dir "$config_dir")
bootstrap
cd "$RETENTION_ROOT" || exit 2
evidence="${evidence:-$RETENTION_ROOT/reports/evidence}"

step "configuration of $env"
retention config validate --env "$env" ${config_dir:+--config-dir "$config_dir"} >/dev/null || exit 2

step "static audit, live audit and drift of $env, into evidence packs under $evidence"
output="$(mktemp)" || die "no temporary file"
trap 'rm -f "$output"' EXIT
retention audit --mode live --env "$env" --evidence "$evidence" "${options[@]}" | tee "$output"
status=${PIPESTATUS[0]}

packs=$(sed -n 's/^evidence: //p' "$output")
[ -n "$packs" ] || { [ "$status" -ne 0 ] && exit "$status"; fail "the audit wrote no evidence pack"; }
step "verifying the packs against their manifests"
while IFS= read -r pack; do
  retention evidence verify "$pack" || status=1
done <<< "$packs"
[ "$status" -eq 0 ] && step "quarterly audit passed: every control holds and nothing drifted" ||
  say "quarterly-audit.sh: the audit found problems (exit $status); the packs hold the evidence"
exit "$status"
