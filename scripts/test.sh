#!/usr/bin/env bash
# Every check of the project, as CI runs it: the unit and integration tests (pytest), cfn-lint and checkov
# on every template, and the validation of every bundled environment.
#   ./scripts/test.sh [pytest arguments]
# Creates the virtual environments on first use (the project's and checkov's own).
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"
bootstrap
cd "$RETENTION_ROOT" || exit 2

status=0
step "configuration: every bundled environment"
retention config validate --env all || status=1
step "cfn-lint"
cfn-lint cloudformation/*.yaml || status=1
step "checkov (own virtual environment, offline)"
"$CHECKOV" -d cloudformation --framework cloudformation --skip-download --compact --quiet || status=1
step "pytest"
"$RETENTION_PY" -m pytest "$@"
rc=$?
[ $rc -eq 0 ] || status=1
[ $status -eq 0 ] && step "all checks passed" || say "test.sh: some checks FAILED (see above)"
exit $status
