#!/usr/bin/env bash
# The local AWS of the sandbox: moto with the project's extensions (AWS Backup APIs, CloudFormation types,
# change-set fixes, one account per access key), on 127.0.0.1. See sandbox/README.md.
#
#   scripts/sandbox.sh start  [--port N]   start in the background; prints the endpoint URL once it answers
#   scripts/sandbox.sh stop   [--port N]   stop the server this script started on that port
#   scripts/sandbox.sh status [--port N]   exit 0 and the URL when it runs, exit 3 when it does not
#
# The default port is 5000. The pid file and the log live in .state/sandbox/ (server-PORT.pid, .log), or in
# $SANDBOX_STATE_DIR when set (the tests use their own).
# A sandbox result is never proof about AWS: sandbox/README.md lists what the sandbox does not model.
set -uo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

command="" port=5000
while [ $# -gt 0 ]; do
  case "$1" in
    start|stop|status) [ -z "$command" ] || die "one command only (start, stop or status)"; command="$1"; shift ;;
    --port) need_value "$1" "${2:-}"; port="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
[ -n "$command" ] || die "a command is required: start, stop or status (see --help)"
[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "--port must be a port number, not '$port'"
bootstrap
cd "$RETENTION_ROOT" || exit 2

state_dir="${SANDBOX_STATE_DIR:-$RETENTION_ROOT/.state/sandbox}"
"$RETENTION_PY" -m sandbox.server "$command" --port "$port" --state-dir "$state_dir"
rc=$?
if [ "$command" = start ] && [ $rc -eq 0 ]; then
  say "sandbox: running (log: $state_dir/server-$port.log); credentials: sandbox/README.md"
fi
exit $rc
