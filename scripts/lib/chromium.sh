#!/usr/bin/env bash
# The Chromium the browser tests drive (tests/evidence/browser.py): the HTML reports are checked in a real
# browser in CI, not only where one happens to be installed. Chromium is not a pip package and no browser
# download from elsewhere is reachable, so it comes from the OS packages (Debian's `chromium`), installed
# here when it is missing and this shell may install packages (root, apt-get). Source this file after
# common.sh; ensure_chromium returns 0 when a Chromium is there (found or installed), 1 when not, saying why.

# chromium_path: the binary tests/evidence/browser.py would drive (RETENTION_CHROMIUM, else the first of its
# candidates on PATH), or nothing. Keep the two lists in step.
chromium_path() {
  if [ -n "${RETENTION_CHROMIUM:-}" ]; then
    [ -f "$RETENTION_CHROMIUM" ] && printf '%s\n' "$RETENTION_CHROMIUM"
    return 0
  fi
  local name
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "$name" 2>/dev/null && return 0
  done
  return 0
}

# _apt_install_chromium: apt-get install of Debian's chromium, refreshing the package lists once if the
# first attempt cannot find it (a fresh machine may have none). Output goes to the log file $1.
_apt_install_chromium() {
  local log="$1"
  local apt=(apt-get -o DPkg::Lock::Timeout=300 -y -q)
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends chromium >"$log" 2>&1 && return 0
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >>"$log" 2>&1 &&
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends chromium >>"$log" 2>&1
}

ensure_chromium() {
  local found
  found="$(chromium_path)"
  if [ -n "$found" ]; then
    say "chromium: $found"
    return 0
  fi
  if [ -n "${RETENTION_CHROMIUM:-}" ]; then
    say "chromium: RETENTION_CHROMIUM=$RETENTION_CHROMIUM is not a file; the browser tests will skip (fail in CI)"
    return 1
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "chromium: none on this machine, and this shell cannot install it (needs root and apt-get);" \
        "the browser tests will skip (fail in CI). Install it: apt-get install chromium, or set RETENTION_CHROMIUM"
    return 1
  fi
  local log started
  log="$(mktemp)" || return 1
  started=$SECONDS
  say "chromium: installing Debian's chromium (apt-get install --no-install-recommends chromium)"
  if ! _apt_install_chromium "$log"; then
    tail -n 20 "$log" >&2
    say "chromium: apt-get install failed; the browser tests will skip (fail in CI)"
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  found="$(chromium_path)"
  if [ -z "$found" ]; then
    say "chromium: installed, but no chromium on PATH; the browser tests will skip (fail in CI)"
    return 1
  fi
  say "chromium: installed $found in $((SECONDS - started)) s"
}
