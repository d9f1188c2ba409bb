#!/usr/bin/env bash
# Shared helpers of the shell scripts: messages, exits, and the bootstrap of the virtual environments.
# Exit codes: 0 ok, 1 a check or a deployment failed, 2 bad input (arguments, configuration, credentials).

say()  { printf '%s\n' "$*" >&2; }
step() { printf '==> %s\n' "$*" >&2; }
die()  { printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2; exit 2; }
fail() { printf '%s: FAILED: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# usage: the script's help, which is its header comment (every '#' line after the shebang, up to the first
# line of code), printed without the '# ' so --help always shows the whole header, however long it grows.
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }

# need_value OPTION VALUE: an option that takes a value got one.
need_value() { [ -n "${2:-}" ] && [ "${2#--}" = "$2" ] || die "$1 needs a value"; }

bootstrap() {
  # shellcheck source=bootstrap.sh
  source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh" || die "could not set up the virtual environments"
}

retention() { "$RETENTION_BIN/retention" "$@"; }

# json_fields FILE KEY...: the values of KEY... of every object of the JSON list in FILE, each ended by a
# NUL (null as empty), read with the project's Python, for 'mapfile -d ""'. No value can add a field or a
# record: one that is not a string, or holds a NUL, is refused (exit 2).
json_fields() {
  "$RETENTION_PY" - "$@" <<'PY'
import json
import sys

path, keys = sys.argv[1], sys.argv[2:]


def refuse(message):
    print(f"json_fields: {path}: {message}", file=sys.stderr)
    sys.exit(2)


try:
    records = json.load(open(path, encoding="utf-8"))
except (OSError, ValueError) as exc:
    refuse(exc)
if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
    refuse("not a list of objects")
values = []
for index, record in enumerate(records):
    for key in keys:
        value = "" if record.get(key) is None else record[key]
        if not isinstance(value, str) or "\0" in value:
            refuse(f"[{index}].{key} is not a string without NUL: {value!r}")
        values.append(value)
sys.stdout.write("".join(value + "\0" for value in values))
PY
}
