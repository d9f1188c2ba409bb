#!/usr/bin/env bash
# The main job: the static audit of the bundled example environment (or --env ENV): every control of
# features/ evaluated on the templates resolved with the environment's configuration, before deploy.
#   ./scripts/audit.sh [--env ENV] [more 'retention audit' options, e.g. --tags rpo --report-dir DIR]
# Creates the virtual environments on first use. Exit 0 all controls pass, 1 a control failed, 2 bad input.
set -uo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

env="example"
if [ "${1:-}" = "--env" ]; then need_value "$1" "${2:-}"; env="$2"; shift 2; fi
bootstrap
cd "$RETENTION_ROOT" || exit 2
retention config validate --env "$env" >/dev/null || exit 2
retention audit --mode static --env "$env" "$@"
