#!/usr/bin/env bash
# Shared helpers of the shell scripts: messages, exits, and the bootstrap of the virtual environments.
# Exit codes: 0 ok, 1 a check or a deployment failed, 2 bad input (arguments, configuration, credentials).

say()  { printf '%s\n' "$*" >&2; }
step() { printf '==> %s\n' "$*" >&2; }
die()  { printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2; exit 2; }
fail() { printf '%s: FAILED: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# need_value OPTION VALUE: an option that takes a value got one.
need_value() { [ -n "${2:-}" ] && [ "${2#--}" = "$2" ] || die "$1 needs a value"; }

bootstrap() {
  # shellcheck source=bootstrap.sh
  source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh" || die "could not set up the virtual environments"
}

retention() { "$RETENTION_BIN/retention" "$@"; }
