# Shared helpers for the testbed scripts (slurm-up.sh, sge-up.sh, torque-up.sh, ...).
# Sourced, never executed. Needs bash >= 5 (EPOCHREALTIME) and root.
# Background and gotchas: /work/shared/docs/hpc-testbed.md (copied into the repo notes).

TESTBED_COMPONENT=${TESTBED_COMPONENT:-testbed}
TESTBED_T0=${EPOCHREALTIME/./}
# The daemons must not inherit the caller's environment: a Grid Engine job inherits
# sge_execd's environment, and we want the same clean one on every machine.
TESTBED_CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# apt output is long; it goes to this file and is shown only when something fails.
TESTBED_APT_LOG=/var/log/flotilla-testbed-apt.log
# What the daemons print before they detach (usually nothing; their own logs are elsewhere).
TESTBED_DAEMON_LOG=/var/log/flotilla-testbed-daemons.log

# Commands run when the script exits, however it exits (die, error, Ctrl-C).
TESTBED_EXIT_HOOKS=()
testbed_on_exit() {
  local hook
  for hook in "${TESTBED_EXIT_HOOKS[@]}"; do eval "$hook" || true; done
  policy_rc_d_end
}
trap testbed_on_exit EXIT
trap 'exit 130' INT TERM

testbed_elapsed() {
  local now=${EPOCHREALTIME/./}
  local tenths=$(( (now - TESTBED_T0) / 100000 ))
  printf '%d.%d' $((tenths / 10)) $((tenths % 10))
}

log() { printf '[%s +%ss] %s\n' "$TESTBED_COMPONENT" "$(testbed_elapsed)" "$*"; }
warn() { printf '[%s +%ss] WARNING: %s\n' "$TESTBED_COMPONENT" "$(testbed_elapsed)" "$*" >&2; }
die() {
  printf '[%s +%ss] ERROR: %s\n' "$TESTBED_COMPONENT" "$(testbed_elapsed)" "$*" >&2
  exit 1
}

require_root() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (uid 0), got uid $(id -u). Run it with sudo."
}

# take_lock NAME: serialise concurrent runs of the same script (several test runs may
# call it at once). Waits at most 300 s for the other run to finish.
take_lock() {
  mkdir -p /run/lock
  # fd 9 holds the lock; start_daemon closes it so that no daemon keeps it for ever.
  exec 9>"/run/lock/flotilla-testbed-$1.lock"
  if ! flock -n 9; then
    log "another $1 start is running; waiting for it (at most 300 s)"
    flock -w 300 9 || die "timed out after 300 s waiting for /run/lock/flotilla-testbed-$1.lock"
  fi
}

# ---------------------------------------------------------------- processes

# pid_is_live PID [COMM]: PID exists, is not a zombie, and its command name is COMM
# (when given). Killed daemons linger as <defunct> zombies here, so kill -0 is not enough.
pid_is_live() {
  local pid=$1 comm=${2:-} state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  state=$(awk '/^State:/ { print $2; exit }' "/proc/$pid/status" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]] || return 1
  if [[ -n $comm ]]; then
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm" ]] || return 1
  fi
}

# live_pids_of COMM: the live (non-zombie) pids whose command name is exactly COMM.
live_pids_of() {
  local dir pid
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    [[ $(cat "$dir/comm" 2>/dev/null) == "$1" ]] || continue
    pid_is_live "$pid" && printf '%s\n' "$pid"
  done
  return 0
}

# daemon_pids COMM PIDFILE: the daemon's live pids, from its pid file or else by name.
daemon_pids() {
  local comm=$1 pidfile=$2 pid=''
  [[ -r $pidfile ]] && pid=$(tr -dc '0-9' <"$pidfile")
  if [[ -n $pid ]] && pid_is_live "$pid" "$comm"; then
    printf '%s\n' "$pid"
  else
    live_pids_of "$comm"
  fi
}

daemon_running() { [[ -n $(daemon_pids "$1" "$2") ]]; }

# start_daemon CMD...: run a self-daemonizing program with a clean environment and
# without our lock descriptor (fd 9), and with stdio away from our caller's pipes (a
# daemon holding a pipe open would make `testbed-up.sh | tee` or a test runner hang).
# Extra VAR=value words may precede the command. Returns the command's exit status.
start_daemon() {
  log "starting: $*"
  # From / so that no daemon keeps (or passes to jobs) the caller's working directory.
  (cd / && env -i PATH="$TESTBED_CLEAN_PATH" LANG=C.UTF-8 HOME=/root "$@" \
    </dev/null >>"$TESTBED_DAEMON_LOG" 2>&1 9>&-)
}

# stop_daemon COMM PIDFILE TIMEOUT: SIGTERM, wait, then SIGKILL. Only the pids found
# for that daemon are signalled.
stop_daemon() {
  local comm=$1 pidfile=$2 timeout=$3 pids
  pids=$(daemon_pids "$comm" "$pidfile")
  [[ -n $pids ]] || return 0
  log "stopping $comm (pid $(echo $pids))"
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  if ! wait_until "$timeout" "$comm to exit" daemon_not_running "$comm" "$pidfile"; then
    pids=$(daemon_pids "$comm" "$pidfile")
    warn "$comm ignored SIGTERM for ${timeout} s; sending SIGKILL to $(echo $pids)"
    # shellcheck disable=SC2086
    [[ -z $pids ]] || kill -KILL $pids 2>/dev/null || true
    wait_until 5 "$comm to exit after SIGKILL" daemon_not_running "$comm" "$pidfile" || return 1
  fi
}

daemon_not_running() { ! daemon_running "$1" "$2"; }

# remove_stale_pidfile PIDFILE COMM: delete a pid file whose process is gone. slurmctld
# leaves /run/slurmctld.pid behind, and its package's prerm then runs scancel against a
# controller that is not there and fails, which breaks `apt-get remove`.
remove_stale_pidfile() {
  local pid=''
  [[ -e $1 ]] || return 0
  pid=$(tr -dc '0-9' <"$1" 2>/dev/null || true)
  pid_is_live "$pid" "$2" || rm -f "$1"
}

# wait_until SECONDS DESCRIPTION CMD...: poll CMD every 0.2 s until it succeeds or the
# time is up. Quiet; returns 1 on timeout so the caller can say what it saw.
wait_until() {
  local limit_us=$(( $1 * 1000000 )) what=$2 start=${EPOCHREALTIME/./}
  shift 2
  while true; do
    "$@" >/dev/null 2>&1 && return 0
    (( ${EPOCHREALTIME/./} - start < limit_us )) || return 1
    sleep 0.2
  done
}

# ---------------------------------------------------------------- packages

pkg_installed() {
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

# True when apt knows an installable version of every package named (one apt-cache
# call: each one costs about a second here).
candidates_known() {
  local known
  known=$(apt-cache policy "$@" 2>/dev/null | awk '/Candidate:/ && $2 != "(none)" { n++ } END { print n + 0 }')
  (( known == $# ))
}

TESTBED_APT_UPDATED=0
apt_update_once() {
  (( TESTBED_APT_UPDATED )) && return 0
  local attempt
  for attempt in 1 2 3; do
    log "apt-get update (attempt $attempt/3)"
    if apt-get -o DPkg::Lock::Timeout=180 -q update >>"$TESTBED_APT_LOG" 2>&1; then
      TESTBED_APT_UPDATED=1
      return 0
    fi
    sleep $(( attempt * 2 ))
  done
  tail -n 20 "$TESTBED_APT_LOG" >&2
  die "apt-get update failed 3 times (log: $TESTBED_APT_LOG)"
}

# With no init system the maintainer scripts would try to start services. Debian's
# Docker images ship a deny-all policy-rc.d; when there is none we add one for the
# duration of the install and remove it afterwards.
TESTBED_OWN_POLICY_RC_D=0
policy_rc_d_begin() {
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    log "adding a temporary deny-all /usr/sbin/policy-rc.d (no service starts during install)"
    printf '#!/bin/sh\n# temporary, from flotilla scripts/testbed\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    TESTBED_OWN_POLICY_RC_D=1
  fi
}
policy_rc_d_end() {
  if (( TESTBED_OWN_POLICY_RC_D )); then
    rm -f /usr/sbin/policy-rc.d
    TESTBED_OWN_POLICY_RC_D=0
  fi
}

# apt_install PKG...: install what is missing, without recommends, waiting for other
# apt runs (never killing them) and retrying; refreshes the package lists once when
# they do not know a package or an install fails (stale lists give 404s).
apt_install() {
  local missing=() pkg attempt rc=1
  for pkg; do pkg_installed "$pkg" || missing+=("$pkg"); done
  if (( ${#missing[@]} == 0 )); then
    log "packages already installed: $*"
    return 0
  fi
  log "installing ${missing[*]} (apt log: $TESTBED_APT_LOG)"
  candidates_known "${missing[@]}" || apt_update_once
  policy_rc_d_begin
  for attempt in 1 2 3; do
    if DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=180 -q -y \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      --no-install-recommends install "${missing[@]}" >>"$TESTBED_APT_LOG" 2>&1; then
      rc=0
      break
    fi
    warn "apt-get install failed (attempt $attempt/3)"
    apt_update_once
    sleep $(( attempt * 2 ))
  done
  policy_rc_d_end
  if (( rc != 0 )); then
    tail -n 30 "$TESTBED_APT_LOG" >&2
    die "could not install ${missing[*]} (log: $TESTBED_APT_LOG)"
  fi
  log "installed ${missing[*]}"
}

# The packages of each part, here so that testbed-up.sh can install them in one go.
SLURM_PACKAGES=(slurm-wlm slurmctld slurmd slurm-client munge)
SGE_PACKAGES=(gridengine-master gridengine-exec gridengine-client)
TORQUE_PACKAGES=(libslurm-perl libslurmdb-perl libswitch-perl)
SGE_CELL=default

# The gridengine packages ask for the master host, which has no default: without an
# answer an unattended install leaves act_qmaster empty. Answer before installing.
sge_preseed_if_needed() {
  local pkg
  for pkg in "${SGE_PACKAGES[@]}"; do
    pkg_installed "$pkg" || break
  done
  pkg_installed "$pkg" && return 0
  log "preseeding debconf for Grid Engine (master host $(hostname), cell $SGE_CELL)"
  for pkg in gridengine-common "${SGE_PACKAGES[@]}"; do
    printf '%s shared/gridengineconfig boolean true\n' "$pkg"
    printf '%s shared/gridenginemaster string %s\n' "$pkg" "$(hostname)"
    printf '%s shared/gridenginecell string %s\n' "$pkg" "$SGE_CELL"
  done | debconf-set-selections
}

# ---------------------------------------------------------------- host

# Both batch systems need the short hostname to resolve. On the reference machine it
# does (127.0.0.1 vm); elsewhere we add the Debian-style 127.0.1.1 entry.
ensure_hostname_resolves() {
  local host=$1
  if ! getent hosts "$host" >/dev/null; then
    log "hostname $host does not resolve; adding '127.0.1.1 $host' to /etc/hosts"
    printf '127.0.1.1 %s\n' "$host" >>/etc/hosts
  fi
}

# install_if_changed SRC DEST MODE: replace DEST by SRC when they differ (keeping a
# .bak of the old file). Returns 0 when DEST changed, 1 when it was already right.
install_if_changed() {
  local src=$1 dest=$2 mode=$3
  if [[ -f $dest ]] && cmp -s "$src" "$dest"; then
    return 1
  fi
  [[ -f $dest ]] && cp -p "$dest" "$dest.bak"
  install -m "$mode" "$src" "$dest"
  return 0
}
