#!/usr/bin/env bash
# The project's mutation run (docs/testing.md): each area's fast tests against each mutant of its code, in
# copies of the working tree, and the score per area with the survivors. Takes minutes; not part of CI.
#   ./scripts/mutation.sh [--module M]... [--sample N] [--seed S] [--jobs J] [--rerun R.json] [--json OUT] [--list]
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
bootstrap
cd "$RETENTION_ROOT"
exec "$RETENTION_PY" -m bench.mutation "$@"
