#!/usr/bin/env bash
# Test set-up only: the browser test drives Debian's Chromium (/usr/bin/chromium) with playwright-core.
# Installs it with apt-get when it is missing and apt-get can run; otherwise says why, and the
# browser test skips itself with the reason. Does nothing when /usr/bin/chromium exists.
set -uo pipefail
say() { printf '[test] %s\n' "$*" >&2; }

[ -x /usr/bin/chromium ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  say "no /usr/bin/chromium and no apt-get: the browser test will be skipped"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n); else
  say "no /usr/bin/chromium, and apt-get needs root: the browser test will be skipped (apt-get install chromium)"
  exit 0
fi
say "installing chromium for the browser test (apt-get install chromium)"
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get install -y -qq chromium >&2; then
  "${sudo[@]}" apt-get update -qq >&2 && "${sudo[@]}" apt-get install -y -qq chromium >&2 ||
    say "could not install chromium: the browser test will be skipped"
fi
exit 0
