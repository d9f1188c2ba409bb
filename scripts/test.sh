#!/usr/bin/env bash
# Every check of the project, as CI runs it: the unit and integration tests (pytest), cfn-lint and checkov
# on every template, and the validation of every bundled environment.
#   ./scripts/test.sh [pytest arguments]   (RETENTION_TEST_WORKERS=N: N pytest workers; default: one per core)
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
# On every core (pytest-xdist): each test module is one unit of work, and the modules that deploy into a
# sandbox (they share the .build/ folder) are one unit together, run in turn (tests/conftest.py says why).
# RETENTION_TEST_WORKERS sets the number of workers; arguments win over these defaults ('-n 0' runs in
# this process, e.g. for --pdb).
"$RETENTION_PY" -m pytest -n "${RETENTION_TEST_WORKERS:-auto}" --dist loadgroup "$@"
rc=$?
[ $rc -eq 0 ] || status=1
[ $status -eq 0 ] && step "all checks passed" || say "test.sh: some checks FAILED (see above)"
exit $status
