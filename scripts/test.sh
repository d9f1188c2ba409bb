#!/usr/bin/env bash
# Every check of the project, as CI runs it: the validation of every bundled environment, cfn-lint and
# checkov on every template, ruff (lint and complexity limit), mypy (types) and shellcheck (scripts/), the
# Chromium the browser tests drive, and the unit and integration tests (pytest). Each step that is not
# clean fails the run; every step runs, so one run shows every problem.
#   ./scripts/test.sh [pytest arguments]   (RETENTION_TEST_WORKERS=N: N pytest workers; default: one per core)
# Creates the virtual environments on first use (the project's and checkov's own), and installs Debian's
# chromium when it is missing and this shell may (root, apt-get): in CI (CI=true) a missing browser fails
# the run instead of skipping the browser tests (scripts/lib/chromium.sh).
set -uo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/chromium.sh
source "$(dirname "$0")/lib/chromium.sh"
bootstrap
cd "$RETENTION_ROOT" || exit 2

status=0
step "configuration: every bundled environment"
retention config validate --env all || status=1
step "cfn-lint"
cfn-lint cloudformation/*.yaml || status=1
step "checkov (own virtual environment, offline)"
"$CHECKOV" -d cloudformation --framework cloudformation --skip-download --compact --quiet || status=1
step "ruff (pyproject.toml: [tool.ruff])"
"$RETENTION_BIN/ruff" check --no-cache . || status=1
step "mypy (pyproject.toml: [tool.mypy])"
"$RETENTION_PY" -m mypy || status=1
step "shellcheck (scripts/, .shellcheckrc)"
"$RETENTION_BIN/shellcheck" scripts/*.sh scripts/lib/*.sh || status=1
step "chromium (the browser tests of the HTML reports)"
if ! ensure_chromium && [ "${CI:-}" = true ]; then
  say "test.sh: CI must check the HTML reports in a browser, and there is no Chromium"
  status=1
fi
step "pytest"
# On every core (pytest-xdist): each test module is one unit of work, and the modules that deploy into a
# sandbox (they share the .build/ folder) are one unit together, run in turn (tests/conftest.py says why).
# RETENTION_TEST_WORKERS sets the number of workers; arguments win over these defaults ('-n 0' runs in
# this process, e.g. for --pdb).
"$RETENTION_PY" -m pytest -n "${RETENTION_TEST_WORKERS:-auto}" --dist loadgroup "$@"
rc=$?
[ $rc -eq 0 ] || status=1
if [ $status -eq 0 ]; then step "all checks passed"; else say "test.sh: some checks FAILED (see above)"; fi
exit $status
