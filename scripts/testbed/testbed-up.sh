#!/usr/bin/env bash
# Start the whole HPC testbed: SLURM, then Grid Engine, then the Torque wrappers over
# SLURM. Prints one summary line per system and exits non-zero when one failed.
# Idempotent and bounded (each script bounds its own waits). Run as root.
set -uo pipefail
TESTBED_COMPONENT=testbed
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
require_root

SUMMARY=()
FAILED=()

# run_part NAME SCRIPT WHAT: run one start script (or a function of this file) and
# record its outcome and duration.
run_part() {
  local name=$1 script=$2 what=$3 start=${EPOCHREALTIME/./} rc=0 tenths
  log "---- $name: $script"
  if [[ $script == *.sh ]]; then "$HERE/$script" || rc=$?; else "$script" || rc=$?; fi
  tenths=$(( (${EPOCHREALTIME/./} - start) / 100000 ))
  if (( rc == 0 )); then
    SUMMARY+=("$(printf '%-8s OK      %3d.%d s  %s' "$name" $((tenths / 10)) $((tenths % 10)) "$what")")
  else
    SUMMARY+=("$(printf '%-8s FAILED  %3d.%d s  %s exited with %d; see its [%s] lines above' "$name" $((tenths / 10)) $((tenths % 10)) "$script" "$rc" "$name")")
    FAILED+=("$name")
  fi
  return "$rc"
}

# One apt-get run for all three parts instead of three (each run costs several seconds
# of package-list reading). The part scripts then find everything installed; they still
# install on their own when run alone, and report it if this step failed.
install_all() {
  (
    take_lock install
    ensure_hostname_resolves "$(hostname -s)"
    ensure_hostname_resolves "$(hostname)"
    sge_preseed_if_needed
    apt_install "${SLURM_PACKAGES[@]}" "${SGE_PACKAGES[@]}" "${TORQUE_PACKAGES[@]}"
  )
}
if ! run_part packages install_all "apt packages of all three"; then
  # Not fatal by itself: each part retries its own install and reports what fails.
  FAILED=()
  SUMMARY[-1]=$(printf '%-8s RETRY   the combined install failed; each part installed its own' packages)
fi

slurm_ok=1
run_part slurm slurm-up.sh "sinfo/sbatch/squeue/scancel (node $(hostname -s))" || slurm_ok=0
run_part sge sge-up.sh "qsub/qstat/qdel of Grid Engine (queue all.q)" || true
if (( slurm_ok )); then
  run_part torque torque-up.sh "PATH=/opt/slurm-torque/bin:\$PATH qsub/qstat/qdel over SLURM" || true
else
  SUMMARY+=("$(printf '%-8s SKIPPED           the Torque wrappers run over SLURM, which failed' torque)")
  FAILED+=(torque)
fi

echo
echo "HPC testbed summary:"
printf '  %s\n' "${SUMMARY[@]}"
if (( ${#FAILED[@]} )); then
  echo "ERROR: the testbed is not fully up (failed: ${FAILED[*]}). Fix the first failure above and rerun $0." >&2
  exit 1
fi
echo "All three ready. Logs: /var/log/slurm/, /var/spool/gridengine/qmaster/messages, $TESTBED_APT_LOG"
