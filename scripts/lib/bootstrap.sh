#!/usr/bin/env bash
# Creates (or refreshes) the project's two virtual environments, as on a fresh machine:
#   .venv          the project, its tools (cfn-lint, pytest-bdd, moto, the AWS CLI) from requirements.txt
#   .venv-checkov  checkov alone: it pins an old boto3 and packaging<24, which conflict with the above.
# A venv is rebuilt only when its requirements file (or pyproject.toml) changed since it was built:
# the hash of those files is kept in the venv as .requirements.sha256.
# Source this file; it exports RETENTION_ROOT, RETENTION_PROJECT_DIR, RETENTION_PY, RETENTION_BIN and CHECKOV, and returns
# non-zero when an environment cannot be built. It leaves the caller's shell options alone.

RETENTION_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export RETENTION_ROOT
# The scripts work on this repository's config/, cloudformation/ and reports/ from whatever folder they are
# started in ('retention' itself takes them from the current folder; audit/project.py), unless told otherwise.
export RETENTION_PROJECT_DIR="${RETENTION_PROJECT_DIR:-$RETENTION_ROOT}"

_bootstrap_log() { printf 'bootstrap: %s\n' "$*" >&2; }

_find_python() {
  local candidate
  for candidate in "${RETENTION_PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  echo "bootstrap: Python 3.11 or newer is required (set RETENTION_PYTHON to its path)" >&2
  return 2
}

# _ensure_venv DIR HASH-INPUTS... -- PIP-ARGS...
_ensure_venv() {
  local dir="$1"; shift
  local inputs=()
  while [ "$1" != "--" ]; do inputs+=("$1"); shift; done
  shift
  local want have=""
  want="$(cat "${inputs[@]}" | sha256sum | cut -d' ' -f1)" || return 2
  [ -f "$dir/.requirements.sha256" ] && have="$(cat "$dir/.requirements.sha256")"
  if [ -x "$dir/bin/python" ] && [ "$want" = "$have" ]; then return 0; fi
  local py; py="$(_find_python)" || return 2
  _bootstrap_log "creating $(basename "$dir") with $("$py" --version 2>&1) (the first run takes a few minutes)"
  rm -rf "$dir"
  "$py" -m venv "$dir" || return 2
  local log="$dir/pip-install.log"
  if ! { "$dir/bin/python" -m pip install --disable-pip-version-check --upgrade pip &&
         "$dir/bin/python" -m pip install --disable-pip-version-check "$@"; } >"$log" 2>&1; then
    # No hash is written, so the next run rebuilds it from scratch.
    grep -v '^WARNING: Location' "$log" | tail -n 40 >&2
    _bootstrap_log "pip install into $(basename "$dir") failed (full log: $log); nothing else was changed"
    return 2
  fi
  echo "$want" > "$dir/.requirements.sha256"
}

_ensure_venv "$RETENTION_ROOT/.venv" "$RETENTION_ROOT/requirements.txt" "$RETENTION_ROOT/pyproject.toml" -- \
  -r "$RETENTION_ROOT/requirements.txt" -e "$RETENTION_ROOT" || return 2
_ensure_venv "$RETENTION_ROOT/.venv-checkov" "$RETENTION_ROOT/requirements-checkov.txt" -- \
  -r "$RETENTION_ROOT/requirements-checkov.txt" || return 2

export RETENTION_PY="$RETENTION_ROOT/.venv/bin/python"
export RETENTION_BIN="$RETENTION_ROOT/.venv/bin"
export CHECKOV="$RETENTION_ROOT/.venv-checkov/bin/checkov"
# The AWS CLI of the project's venv comes first, so scripts use the pinned one.
export PATH="$RETENTION_BIN:$PATH"
# checkov must never try to reach the network (no registry but the package ones is reachable here).
export BC_SKIP_MAPPING=TRUE
