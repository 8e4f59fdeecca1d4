#!/usr/bin/env bash
# Stop the HPC testbed (for developers; CI machines are thrown away): cancel every
# leftover job, then stop sge_execd, sge_qmaster, slurmd, slurmctld and munged.
# Packages and configuration stay; testbed-up.sh starts it all again. Run as root.
set -uo pipefail
TESTBED_COMPONENT=down
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root

no_slurm_jobs() { [[ -z $(squeue -h -o %i 2>/dev/null) ]]; }
no_stepds() { [[ -z $(live_pids_of slurmstepd) ]]; }
no_sge_jobs() { [[ -z $(qstat -u '*' 2>/dev/null) ]]; }

stop_slurm() {
  local jobs
  if command -v scontrol >/dev/null && scontrol ping 2>/dev/null | grep -q 'is UP'; then
    jobs=$(squeue -h -o %i 2>/dev/null | tr '\n' ' ')
    if [[ -n ${jobs// /} ]]; then
      log "scancel SLURM jobs: $jobs"
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      wait_until 30 "SLURM jobs gone" no_slurm_jobs || warn "jobs still listed after 30 s: $(squeue -h -o '%i %T' | tr '\n' ' ')"
    fi
    log "scontrol shutdown"
    scontrol shutdown >/dev/null 2>&1 || true
  fi
  # Job steps outlive slurmd; they end once their job is cancelled.
  wait_until 20 "slurmstepd gone" no_stepds || warn "slurmstepd still running: $(live_pids_of slurmstepd | tr '\n' ' ')"
  stop_daemon slurmd /run/slurmd.pid 15 || warn "slurmd does not stop"
  stop_daemon slurmctld /run/slurmctld.pid 15 || warn "slurmctld does not stop"
  stop_daemon munged /run/munge/munged.pid 15 || warn "munged does not stop"
  remove_stale_pidfile /run/slurmd.pid slurmd
  remove_stale_pidfile /run/slurmctld.pid slurmctld
}

stop_sge() {
  if command -v qconf >/dev/null && qconf -sh >/dev/null 2>&1; then
    if ! no_sge_jobs; then
      log "qdel all Grid Engine jobs"
      qdel -f -u '*' >/dev/null 2>&1 || true
      wait_until 30 "Grid Engine jobs gone" no_sge_jobs || warn "jobs still listed after 30 s"
    fi
    log "qconf -ke all; qconf -km"
    qconf -ke all >/dev/null 2>&1 || true
    stop_daemon sge_execd /run/gridengine/execd.pid 20 || warn "sge_execd does not stop"
    qconf -km >/dev/null 2>&1 || true
  fi
  stop_daemon sge_execd /run/gridengine/execd.pid 20 || warn "sge_execd does not stop"
  stop_daemon sge_qmaster /var/spool/gridengine/qmaster/qmaster.pid 20 || warn "sge_qmaster does not stop"
  remove_stale_pidfile /run/gridengine/execd.pid sge_execd
}

stop_sge
stop_slurm
left=$(for c in munged slurmctld slurmd slurmstepd sge_qmaster sge_execd; do live_pids_of "$c"; done | tr '\n' ' ')
if [[ -n ${left// /} ]]; then
  echo "ERROR: still running: $left" >&2
  exit 1
fi
log "testbed stopped (start it again with scripts/testbed/testbed-up.sh)"
