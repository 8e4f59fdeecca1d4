#!/usr/bin/env bash
# Start a real single-node Son of Grid Engine (sge_qmaster + sge_execd) on this machine:
# install the Debian packages if missing, fix the hostname check, configure the cluster
# (root may run jobs, 1 s scheduling, PE smp, queue all.q with one slot per CPU), start
# the daemons, wait until all.q is healthy and a trivial `qsub -sync y` job exits 0.
# Idempotent: every step checks before it acts. Every wait is bounded. Run as root.
#
# Environment: TESTBED_WAIT_SECONDS (default 60), the limit for each wait.
set -euo pipefail
TESTBED_COMPONENT=sge
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WAIT_SECONDS=${TESTBED_WAIT_SECONDS:-60}
SGE_ROOT=/var/lib/gridengine
SGE_COMMON=$SGE_ROOT/$SGE_CELL/common
QMASTER_PIDFILE=/var/spool/gridengine/qmaster/qmaster.pid
EXECD_PIDFILE=/run/gridengine/execd.pid
QMASTER_LOG=/var/spool/gridengine/qmaster/messages
QUEUE=all.q
# The name Grid Engine knows this host by (debconf's default for the master is `hostname`).
SGE_HOST=$(hostname)
WORK=$(mktemp -d)
TESTBED_EXIT_HOOKS+=("rm -rf '$WORK'")

# ---------------------------------------------------------------- checks

qmaster_answers() { qconf -sh >/dev/null 2>&1; }

# The queue instance line of `qstat -f`, e.g. "all.q@vm BIP 0/0/2 0.44 lx-amd64 [states]".
queue_line() { qstat -f -q "$QUEUE" 2>/dev/null | awk -v q="$QUEUE@" 'index($1, q) == 1 { print; exit }'; }

# Healthy = the instance is listed with a load value and an empty states column
# (E error, a alarm, u execd unknown, d disabled, ...).
queue_healthy() {
  local line
  line=$(queue_line)
  [[ -n $line ]] && awk '{ exit !(NF == 5 && $4 != "-NA-") }' <<<"$line"
}

# ---------------------------------------------------------------- install

install_gridengine() {
  sge_preseed_if_needed
  apt_install "${SGE_PACKAGES[@]}"
  [[ -s $SGE_COMMON/act_qmaster ]] ||
    die "$SGE_COMMON/act_qmaster is missing or empty: the package was configured without a master host. Fix: apt-get purge gridengine-common gridengine-client gridengine-master gridengine-exec, then rerun this script"
  local master
  master=$(<"$SGE_COMMON/act_qmaster")
  [[ $master == "$SGE_HOST" ]] ||
    warn "act_qmaster is '$master' but this host is '$SGE_HOST' (hostname changed since install?)"
}

# ---------------------------------------------------------------- hostname check

# qmaster compares the name a client claims (this host) with the reverse lookup of the
# connection's source address. For a hostname on 127.x the source is 127.0.0.1, which
# resolves to `localhost`, and qmaster refuses the client ("access denied ... resolved
# to host name localhost"). SGE's host_aliases file declares the two names one host.
# Returns 0 when the file changed (qmaster reads it only at startup).
ensure_host_aliases() {
  local ip src reverse file=$SGE_COMMON/host_aliases
  ip=$(getent ahostsv4 "$SGE_HOST" | awk 'NR == 1 { print $1 }')
  [[ $ip == 127.* ]] && src=127.0.0.1 || src=$ip
  reverse=$(getent hosts "$src" | awk 'NR == 1 { print $2 }')
  if [[ -z $reverse || $reverse == "$SGE_HOST" ]]; then
    return 1
  fi
  if [[ -f $file ]] && grep -qE "^$SGE_HOST[[:space:]]+(.*[[:space:]])?$reverse([[:space:]]|\$)" "$file"; then
    return 1
  fi
  log "adding '$SGE_HOST $reverse' to $file ($src resolves to '$reverse', not '$SGE_HOST')"
  # Other lines naming the same host would conflict; keep the rest.
  if [[ -f $file ]]; then grep -vE "^$SGE_HOST([[:space:]]|\$)" "$file" >"$WORK/aliases" || true; fi
  printf '%s %s\n' "$SGE_HOST" "$reverse" >>"$WORK/aliases"
  install -o sgeadmin -g sgeadmin -m 644 "$WORK/aliases" "$file"
  return 0
}

# ---------------------------------------------------------------- daemons

# /etc/init.d/gridengine-master must not be used: it checks a pid file qmaster never
# writes, so a second `start` spawns a duplicate qmaster. We check the real pid file.
start_qmaster() {
  if daemon_running sge_qmaster "$QMASTER_PIDFILE"; then
    log "sge_qmaster already running"
  else
    start_daemon /usr/sbin/sge_qmaster || die "sge_qmaster did not start; see $QMASTER_LOG"
  fi
  wait_until "$WAIT_SECONDS" "qmaster" qmaster_answers || {
    tail -n 20 "$QMASTER_LOG" >&2 || true
    die "qconf -sh does not answer after ${WAIT_SECONDS} s (qmaster log above)"
  }
  log "qmaster answers"
}

stop_qmaster() {
  log "stopping sge_qmaster (qconf -km)"
  qconf -km >/dev/null 2>&1 || true
  stop_daemon sge_qmaster "$QMASTER_PIDFILE" 20 || die "sge_qmaster does not stop"
}

start_execd() {
  install -d -o sgeadmin -g sgeadmin -m 755 /run/gridengine
  start_daemon SGE_EXECD_PIDFILE="$EXECD_PIDFILE" /usr/sbin/sge_execd ||
    die "sge_execd did not start; see /var/spool/gridengine/execd/*/messages"
}

stop_execd() {
  log "stopping sge_execd (qconf -ke $SGE_HOST)"
  qconf -ke "$SGE_HOST" >/dev/null 2>&1 || true
  stop_daemon sge_execd "$EXECD_PIDFILE" 20 || die "sge_execd does not stop"
}

# ---------------------------------------------------------------- configuration

# qconf prints long values over several lines ending in "\"; join them so that each key
# is one "key value" line that the two functions below can read and edit.
qconf_flat() { qconf "$@" 2>/dev/null | awk '{ while ($0 ~ /\\$/ && (getline more) > 0) { sub(/\\$/, ""); $0 = $0 " " more } print }'; }

# set_field FILE KEY VALUE: set "KEY VALUE" in a flattened qconf "key value" file.
set_field() {
  awk -v k="$2" -v v="$3" '$1 == k { printf "%-28s %s\n", k, v; found = 1; next } { print } END { if (!found) printf "%-28s %s\n", k, v }' \
    "$1" >"$1.new" && mv "$1.new" "$1"
}

# field KEY FILE: the value of KEY in a flattened file, blanks squeezed.
field() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ +/, ""); print; exit }' "$2"; }

# same_settings A B: the two flattened files say the same, whatever the spacing.
same_settings() { cmp -s <(awk '!/^#/ { $1 = $1; print }' "$1") <(awk '!/^#/ { $1 = $1; print }' "$2"); }

ensure_hosts() {
  if ! qconf -sh 2>/dev/null | grep -qx "$SGE_HOST"; then
    log "qconf -ah $SGE_HOST (admin host)"
    qconf -ah "$SGE_HOST" >/dev/null 2>&1 || die "qconf -ah $SGE_HOST failed"
  fi
  if ! qconf -ss 2>/dev/null | grep -qx "$SGE_HOST"; then
    log "qconf -as $SGE_HOST (submit host)"
    qconf -as "$SGE_HOST" >/dev/null 2>&1 || die "qconf -as $SGE_HOST failed"
  fi
}

# Global config: let root run jobs (Debian's min_uid/min_gid 1000 make execd refuse
# them and put the queue in error state), and flush accounting at once so qacct knows a
# job right after it ends. Returns 0 when it changed (execd caches it: restart needed).
ensure_global_config() {
  local dir=$WORK/conf reporting
  mkdir -p "$dir"
  qconf_flat -sconf global >"$dir/global.orig"
  [[ -s $dir/global.orig ]] || die "qconf -sconf global failed: $(qconf -sconf global 2>&1)"
  cp "$dir/global.orig" "$dir/global"
  set_field "$dir/global" min_uid 0
  set_field "$dir/global" min_gid 0
  reporting=$(field reporting_params "$dir/global")
  reporting=$(sed -E 's/(^| )(flush_time|accounting_flush_time)=[^ ]*//g; s/^ +//' <<<"$reporting")
  set_field "$dir/global" reporting_params "$reporting flush_time=00:00:01 accounting_flush_time=00:00:00"
  if same_settings "$dir/global.orig" "$dir/global"; then
    log "global config is up to date"
    return 1
  fi
  log "setting global config: min_uid 0, min_gid 0, reporting flush 1 s"
  # qconf -Mconf takes the configuration's name from the file name, hence "global".
  (cd "$dir" && qconf -Mconf global) >/dev/null 2>&1 || die "qconf -Mconf global failed"
  return 0
}

# Scheduler: run every second instead of every 15 s.
ensure_scheduler_config() {
  local f=$WORK/sched
  qconf_flat -ssconf >"$f.orig"
  [[ -s $f.orig ]] || die "qconf -ssconf failed: $(qconf -ssconf 2>&1)"
  cp "$f.orig" "$f"
  set_field "$f" schedule_interval 0:0:1
  set_field "$f" flush_submit_sec 1
  set_field "$f" flush_finish_sec 1
  if same_settings "$f.orig" "$f"; then
    log "scheduler config is up to date"
  else
    log "setting scheduler: schedule_interval 0:0:1, flush_submit_sec 1, flush_finish_sec 1"
    qconf -Msconf "$f" >/dev/null 2>&1 || die "qconf -Msconf failed: $(qconf -Msconf "$f" 2>&1)"
  fi
}

# Parallel environment `smp` so that `-pe smp N` works (the queue template names PEs
# that do not exist).
ensure_pe_smp() {
  if qconf -sp smp >/dev/null 2>&1; then
    log "PE smp exists"
    return 0
  fi
  cat >"$WORK/smp" <<'EOF'
pe_name            smp
slots              99999
user_lists         NONE
xuser_lists        NONE
start_proc_args    NONE
stop_proc_args     NONE
allocation_rule    $pe_slots
control_slaves     FALSE
job_is_first_task  TRUE
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
EOF
  log "adding PE smp"
  qconf -Ap "$WORK/smp" >/dev/null 2>&1 || die "qconf -Ap smp failed: $(qconf -Ap "$WORK/smp" 2>&1)"
}

# Queue all.q: one slot per CPU, PE smp, no load alarm (np_load_avg=1.75 trips on a busy
# 2-core machine), and bash honouring the script's #! line (unix_behavior).
ensure_queue() {
  local f=$WORK/queue key value current
  local -A want=(
    [hostlist]=$SGE_HOST
    [slots]=$(nproc)
    [pe_list]=smp
    [load_thresholds]=NONE
    [shell]=/bin/bash
    [shell_start_mode]=unix_behavior
  )
  if ! qconf -sq "$QUEUE" >/dev/null 2>&1; then
    log "adding queue $QUEUE"
    qconf_flat -sq >"$f"
    [[ -s $f ]] || die "qconf -sq (queue template) failed: $(qconf -sq 2>&1)"
    set_field "$f" qname "$QUEUE"
    for key in "${!want[@]}"; do set_field "$f" "$key" "${want[$key]}"; done
    qconf -Aq "$f" >/dev/null 2>&1 || die "qconf -Aq $QUEUE failed: $(qconf -Aq "$f" 2>&1)"
    return 0
  fi
  qconf_flat -sq "$QUEUE" >"$f"
  for key in hostlist slots pe_list load_thresholds shell shell_start_mode; do
    value=${want[$key]}
    current=$(field "$key" "$f")
    if [[ $current != "$value" ]]; then
      log "queue $QUEUE: $key '$current' -> '$value'"
      qconf -rattr queue "$key" "$value" "$QUEUE" >/dev/null 2>&1 ||
        die "qconf -rattr queue $key $value $QUEUE failed: $(qconf -rattr queue "$key" "$value" "$QUEUE" 2>&1)"
    fi
  done
  log "queue $QUEUE configured (slots ${want[slots]})"
}

# ---------------------------------------------------------------- job check

check_trivial_job() {
  local out rc=0 name=flotilla_testbed_check
  # Other engineers' jobs may hold every slot; a check job would then wait for them.
  if queue_line | awk '{ split($3, n, "/"); exit !(n[1] + n[2] >= n[3]) }'; then
    log "all slots of $QUEUE are in use by running jobs; skipping the check job"
    return 0
  fi
  log "qsub -sync y of /bin/true"
  # -shell no: run the binary directly, not through a login shell.
  out=$(cd /tmp && timeout "$WAIT_SECONDS" qsub -sync y -N "$name" -b y -shell no \
    -o /dev/null -e /dev/null /bin/true 2>&1) || rc=$?
  if (( rc == 124 )); then
    qdel "$name" >/dev/null 2>&1 || true
    die "check job did not finish within ${WAIT_SECONDS} s: $out; qstat -f: $(queue_line)"
  fi
  (( rc == 0 )) || die "check job failed (qsub exit code $rc): $out"
  log "check job: $(grep -m1 -o 'Job [0-9]* exited with exit code [0-9]*' <<<"$out" || echo "$out")"
}

# ---------------------------------------------------------------- main

main() {
  require_root
  take_lock sge
  # Before installing: the master package's postinst initialises the cluster for this host.
  ensure_hostname_resolves "$SGE_HOST"
  install_gridengine

  if ensure_host_aliases && daemon_running sge_qmaster "$QMASTER_PIDFILE"; then
    stop_qmaster # it reads host_aliases only at startup
  fi
  start_qmaster

  ensure_hosts
  local global_changed=0
  ensure_global_config && global_changed=1
  ensure_scheduler_config
  ensure_pe_smp
  ensure_queue

  # execd starts after the global config: it caches it, and with a stale min_uid it
  # keeps refusing root's jobs.
  if daemon_running sge_execd "$EXECD_PIDFILE"; then
    if (( global_changed )); then
      stop_execd
      start_execd
    else
      log "sge_execd already running"
    fi
  else
    start_execd
  fi

  if ! queue_healthy; then
    # Error state left by earlier refused jobs; harmless when there is none.
    qmod -cq "$QUEUE" >/dev/null 2>&1 || true
    wait_until "$WAIT_SECONDS" "queue $QUEUE healthy" queue_healthy || {
      qmod -cq "$QUEUE" >/dev/null 2>&1 || true
      wait_until 5 "queue $QUEUE healthy" queue_healthy ||
        die "queue is not healthy after ${WAIT_SECONDS} s: '$(queue_line | awk '{ $1 = $1; print }')'. States: E error (qmod -cq $QUEUE), d disabled (qmod -e $QUEUE), u execd unreachable (see /var/spool/gridengine/execd/*/messages), a load alarm; no load value means execd has not reported"
    }
  fi
  log "queue healthy: $(queue_line | awk '{ $1 = $1; print }')"
  check_trivial_job
  log "Grid Engine ready"
}

main "$@"
