#!/usr/bin/env bash
# The main job: audit the bundled example environment (or --env ENV) before deploy.
#   ./scripts/audit.sh [--env ENV] [extra arguments for the audit]
# Creates the virtual environments on first use.
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

env="example"
if [ "${1:-}" = "--env" ]; then need_value "$1" "${2:-}"; env="$2"; shift 2; fi
bootstrap
cd "$RETENTION_ROOT" || exit 2
"$RETENTION_ROOT/scripts/gate.sh" --env "$env" "$@"
