#!/usr/bin/env bash
# Start a real single-node SLURM (munge, slurmctld, slurmd) on this machine: install the
# Debian packages if missing, write slurm.conf, start the daemons, wait until the node is
# idle and a trivial job completes. Idempotent: when everything is already up it only
# checks and returns. Every wait is bounded. Run as root.
#
# Environment: TESTBED_WAIT_SECONDS (default 60), the limit for each wait.
set -euo pipefail
TESTBED_COMPONENT=slurm
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WAIT_SECONDS=${TESTBED_WAIT_SECONDS:-60}
SLURM_CONF=/etc/slurm/slurm.conf
CTLD_PIDFILE=/run/slurmctld.pid
SLURMD_PIDFILE=/run/slurmd.pid
MUNGE_PIDFILE=/run/munge/munged.pid
NODE=$(hostname -s)

# ---------------------------------------------------------------- checks

# The node's state as sinfo prints it (idle, mixed, allocated, down*, drained, ...).
node_state() { sinfo -h -n "$NODE" -o '%T' 2>/dev/null | head -n 1; }

# Usable: idle, or running jobs (other engineers may be using it) - not down or drained.
node_usable() {
  case $(node_state) in
    idle | mixed | allocated | completing) return 0 ;;
    *) return 1 ;;
  esac
}

controller_up() { scontrol ping 2>/dev/null | grep -q 'is UP'; }
munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

all_daemons_running() {
  daemon_running munged "$MUNGE_PIDFILE" &&
    daemon_running slurmctld "$CTLD_PIDFILE" &&
    daemon_running slurmd "$SLURMD_PIDFILE"
}

# ---------------------------------------------------------------- configuration

# slurm.conf for this machine: topology from `slurmd -C`, memory from `free -m` minus
# 5 % (at least 512 MB) so that RealMemory never exceeds what slurmd detects (the node
# would be drained), and a default memory per CPU so jobs without --mem do not take the
# whole node (with CR_Core_Memory they would then run one at a time).
write_slurm_conf() {
  local out=$1 topo cpus boards sockets_per_board cores threads total_mb margin real_mb def_mem
  topo=$(slurmd -C 2>/dev/null | head -n 1) || topo=''
  field() { sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<<"$topo"; }
  cpus=$(field CPUs)
  boards=$(field Boards)
  sockets_per_board=$(field SocketsPerBoard)
  cores=$(field CoresPerSocket)
  threads=$(field ThreadsPerCore)
  if [[ -z $cpus || -z $cores || -z $threads ]]; then
    warn "slurmd -C gave no usable topology ('$topo'); using nproc"
    cpus=$(nproc)
    boards=1 sockets_per_board=1 cores=$cpus threads=1
  fi
  total_mb=$(free -m | awk '/^Mem:/ { print $2 }')
  margin=$(( total_mb * 5 / 100 ))
  (( margin >= 512 )) || margin=512
  real_mb=$(( total_mb - margin ))
  (( real_mb >= 256 )) || die "only ${total_mb} MB of RAM; SLURM needs at least 768 MB here"
  def_mem=$(( real_mb / cpus ))
  (( def_mem <= 1024 )) || def_mem=1024
  cat >"$out" <<EOF
# Written by flotilla scripts/testbed/slurm-up.sh: a single-node test cluster.
# Edits are overwritten the next time the script runs.
ClusterName=localcluster
SlurmctldHost=$NODE
SlurmUser=slurm
AuthType=auth/munge
# No cgroup plugins: there is no systemd and no delegated cgroup tree here.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
SlurmctldPidFile=$CTLD_PIDFILE
SlurmdPidFile=$SLURMD_PIDFILE
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$def_mem
# Schedule a batch job as soon as it is submitted: the default batch_sched_delay of 3 s
# is meant for high-throughput sites and only slows the tests down.
SchedulerParameters=batch_sched_delay=0
# Finished jobs stay visible to squeue -t all for 5 minutes (there is no accounting).
MinJobAge=300
NodeName=$NODE CPUs=$cpus Boards=${boards:-1} SocketsPerBoard=${sockets_per_board:-1} CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$real_mb State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

# spank_pbs would give every job PBS_JOBID & co., fooling code that detects PBS by them.
check_spank_pbs_disabled() {
  local hits
  hits=$(grep -lsE '^[[:space:]]*(required|optional)[[:space:]].*spank_pbs' \
    /etc/slurm/plugstack.conf /etc/slurm/plugstack.conf.d/*.conf 2>/dev/null || true)
  [[ -z $hits ]] || warn "spank_pbs is enabled in: $hits (every job gets PBS_* variables); torque-up.sh disables it"
}

# ---------------------------------------------------------------- daemons

start_munge() {
  if daemon_running munged "$MUNGE_PIDFILE"; then
    log "munged already running (pid $(daemon_pids munged "$MUNGE_PIDFILE" | head -n 1))"
  else
    install -d -o munge -g munge -m 755 /run/munge
    # The package creates /etc/munge, /var/lib/munge and /var/log/munge with the modes
    # munged insists on; /run is a tmpfs, so /run/munge must be made after each boot.
    if [[ ! -s /etc/munge/munge.key ]]; then
      log "creating /etc/munge/munge.key"
      mungekey --create --keyfile=/etc/munge/munge.key
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 600 /etc/munge/munge.key
    # --force: a munged killed earlier may have left its socket behind.
    start_daemon runuser -u munge -- /usr/sbin/munged --force ||
      die "munged did not start; see /var/log/munge/munged.log"
  fi
  wait_until "$WAIT_SECONDS" "munge" munge_works ||
    die "munge -n | unmunge still fails after ${WAIT_SECONDS} s; see /var/log/munge/munged.log"
}

# After a slurm.conf change both daemons must restart. Running jobs survive in the
# state save location; their slurmstepd processes keep running.
stop_slurm_daemons() {
  if controller_up; then
    log "scontrol shutdown (slurm.conf changed)"
    scontrol shutdown >/dev/null 2>&1 || true
  fi
  stop_daemon slurmd "$SLURMD_PIDFILE" 15 || die "slurmd does not stop"
  stop_daemon slurmctld "$CTLD_PIDFILE" 15 || die "slurmctld does not stop"
}

start_slurmctld() {
  if daemon_running slurmctld "$CTLD_PIDFILE"; then
    log "slurmctld already running"
  else
    start_daemon /usr/sbin/slurmctld || die "slurmctld did not start; see /var/log/slurm/slurmctld.log"
  fi
  wait_until "$WAIT_SECONDS" "slurmctld" controller_up || {
    tail -n 20 /var/log/slurm/slurmctld.log >&2 || true
    die "scontrol ping does not show the controller UP after ${WAIT_SECONDS} s (log above)"
  }
  log "controller is UP"
}

start_slurmd() {
  if daemon_running slurmd "$SLURMD_PIDFILE"; then
    log "slurmd already running"
  else
    start_daemon /usr/sbin/slurmd || die "slurmd did not start; see /var/log/slurm/slurmd.log"
  fi
  if ! wait_until 10 "node $NODE usable" node_usable; then
    # A node that went down (e.g. slurmd restarted) or was drained is put back.
    case $(node_state) in
      down* | drain* | fail*)
        log "node $NODE is '$(node_state)'; resuming it"
        scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true
        ;;
    esac
    wait_until "$WAIT_SECONDS" "node $NODE usable" node_usable || {
      tail -n 20 /var/log/slurm/slurmd.log >&2 || true
      die "node $NODE is '$(node_state)' after ${WAIT_SECONDS} s, expected idle (slurmd log above)"
    }
  fi
  log "node $NODE is $(node_state)"
}

# ---------------------------------------------------------------- job check

job_state() { squeue -t all -h -j "$1" -o '%T' 2>/dev/null | head -n 1; }

check_trivial_job() {
  local job state start=${EPOCHREALTIME/./}
  # Other engineers' jobs may hold every CPU; a check job would then wait for them.
  if [[ $(node_state) == allocated ]]; then
    log "node $NODE is fully allocated by running jobs; skipping the check job"
    return 0
  fi
  job=$(cd /tmp && sbatch --parsable -J flotilla-testbed-check -o /dev/null --wrap true 2>&1) ||
    die "sbatch --wrap true failed: $job"
  job=${job%%;*}
  log "submitted check job $job"
  while true; do
    state=$(job_state "$job")
    case $state in
      COMPLETED) break ;;
      FAILED | CANCELLED* | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
        die "check job $job ended $state: $(scontrol show job "$job" 2>&1 | grep -E 'JobState|Reason' | head -n 2)" ;;
    esac
    if (( ${EPOCHREALTIME/./} - start >= WAIT_SECONDS * 1000000 )); then
      scancel "$job" 2>/dev/null || true
      die "check job $job still '$state' after ${WAIT_SECONDS} s: $(squeue -h -j "$job" -o '%T %r' 2>&1)"
    fi
    sleep 0.2
  done
  log "check job $job COMPLETED"
}

# ---------------------------------------------------------------- main

main() {
  require_root
  take_lock slurm
  # Every step below checks before it acts, so a run on a machine that is already up
  # only verifies (and rewrites slurm.conf + restarts when the config would change).
  ensure_hostname_resolves "$NODE"
  apt_install "${SLURM_PACKAGES[@]}"
  install -d -o slurm -g slurm -m 755 /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm

  local conf
  conf=$(mktemp)
  write_slurm_conf "$conf"
  if install_if_changed "$conf" "$SLURM_CONF" 644; then
    log "wrote $SLURM_CONF"
    if daemon_running slurmctld "$CTLD_PIDFILE" || daemon_running slurmd "$SLURMD_PIDFILE"; then
      stop_slurm_daemons
    fi
  else
    log "$SLURM_CONF is up to date"
  fi
  rm -f "$conf"
  check_spank_pbs_disabled

  start_munge
  start_slurmctld
  start_slurmd
  check_trivial_job
  log "SLURM ready"
}

main "$@"
