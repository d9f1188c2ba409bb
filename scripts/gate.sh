#!/usr/bin/env bash
# Pre-deploy gate: the configuration, cfn-lint and checkov on every template, and the static audit of the
# environment (every control of features/). Nothing is deployed before all of them pass.
#   scripts/gate.sh --env ENV [--config-dir DIR] [--manifest FILE]
#   --manifest  where to write the path, size and SHA-256 of every template the gate checked (default:
#               reports/ENV/gate/templates.json); scripts/deploy.sh deploys only those bytes. A template over
#               CloudFormation's size limit fails the gate before any tool reads it, and one that changes
#               while the gate runs fails it at the end (docs/deployer-threat-model.md).
set -uo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

env="" config_dir=() manifest=""
while [ $# -gt 0 ]; do
  case "$1" in
    --env) need_value "$1" "${2:-}"; env="$2"; shift 2 ;;
    --config-dir) need_value "$1" "${2:-}"; config_dir=(--config-dir "$2"); shift 2 ;;
    --manifest) need_value "$1" "${2:-}"; manifest="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[ -n "$env" ] || die "--env is required"
bootstrap
cd "$RETENTION_ROOT" || exit 2

step "gate: configuration of $env"
retention config validate --env "$env" "${config_dir[@]}" || exit 2
manifest="${manifest:-$RETENTION_ROOT/reports/$env/gate/templates.json}"
started="$(mktemp)" || exit 2
trap 'rm -f "$started"' EXIT
step "gate: templates (size, SHA-256)"
# the templates cfn-lint and checkov read below (and the stacks deploy.sh deploys): cloudformation/*.yaml
retention gate manifest --templates-dir "$RETENTION_ROOT/cloudformation" --out "$started" >/dev/null || exit 2
step "gate: cfn-lint"
cfn-lint cloudformation/*.yaml || fail "cfn-lint found problems in cloudformation/"
step "gate: checkov"
"$CHECKOV" -d cloudformation --framework cloudformation --skip-download --compact --quiet ||
  fail "checkov found problems in cloudformation/ (skips belong in the resource's Metadata, with a reason)"
step "gate: static audit of $env"
retention audit --mode static --env "$env" "${config_dir[@]}" --report-dir "$RETENTION_ROOT/reports/$env/gate" ||
  fail "the static audit of $env failed (reports/$env/gate/report.html says why)"
# The templates are as they were when the checks started: the manifest names exactly what was checked.
retention gate manifest --templates-dir "$RETENTION_ROOT/cloudformation" --out "$manifest" --expect "$started" \
  >/dev/null || exit $?
step "gate: passed (templates checked: $manifest)"
