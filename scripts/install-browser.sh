#!/usr/bin/env bash
# Installs Debian's Chromium (/usr/bin/chromium) for the dashboard's browser test
# (test/dashboard/browser.test.ts, driven by playwright-core). Idempotent: exits at once
# when Chromium is already there. Needs root; run by .ci/run and by hand on a dev machine.
#
# Other engineers (and the HPC testbed scripts) may be running apt at the same time, so
# apt waits for the dpkg lock (DPkg::Lock::Timeout) and the whole install is retried a few
# times; a flock keeps two runs of this script from racing each other.
set -euo pipefail

readonly BROWSER=/usr/bin/chromium
readonly LOG=/var/log/flotilla-install-browser.log

say() { printf '[install-browser] %s\n' "$*"; }
die() { printf '[install-browser] ERROR: %s\n' "$*" >&2; exit 1; }

if [[ -x $BROWSER ]]; then
  say "already installed: $("$BROWSER" --version 2>/dev/null || echo "$BROWSER")"
  exit 0
fi
[[ $(id -u) -eq 0 ]] || die "must run as root to install chromium with apt (uid is $(id -u)); run: sudo bash $0"

mkdir -p /run/lock
exec 9>/run/lock/flotilla-install-browser.lock
flock -w 600 9 || die "timed out after 600 s waiting for another install-browser run (/run/lock/flotilla-install-browser.lock)"
if [[ -x $BROWSER ]]; then
  say "installed meanwhile by another run: $("$BROWSER" --version 2>/dev/null || echo "$BROWSER")"
  exit 0
fi

# shellcheck source=scripts/apt-install.sh
source "$(dirname "$0")/apt-install.sh"
apt_install_retrying "$LOG" chromium

[[ -x $BROWSER ]] || die "apt-get reported success but $BROWSER is missing"
say "installed: $("$BROWSER" --version 2>/dev/null || echo "$BROWSER")"
