#!/usr/bin/env bash
# Make the Torque/PBS-compatible qsub/qstat/qdel of slurm-wlm-torque available under
# /opt/slurm-torque/bin, over the SLURM testbed, and check that they work.
#
# No PBS server is packaged for Debian 12; slurm-wlm-torque's Perl wrappers translate PBS
# commands to sbatch/squeue/scancel. The package conflicts with gridengine-client (both
# ship /usr/bin/qsub), so it is not installed: it is downloaded and its wrappers extracted
# into /opt/slurm-torque/bin, next to symlinks to the SLURM commands they call through
# ${FindBin::Bin}. Use it with PATH=/opt/slurm-torque/bin:$PATH.
# Idempotent; every wait is bounded. Run as root, after (or it runs) slurm-up.sh.
set -euo pipefail
TESTBED_COMPONENT=torque
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WAIT_SECONDS=${TESTBED_WAIT_SECONDS:-60}
TORQUE_DIR=/opt/slurm-torque
TORQUE_BIN=$TORQUE_DIR/bin
WRAPPERS=(qsub qstat qdel qalter qhold qrls qrerun pbsnodes generate_pbs_nodefile)
# What the wrappers run from their own folder, plus the usual SLURM commands for convenience.
SLURM_COMMANDS=(sbatch salloc srun squeue scancel scontrol sinfo)
WORK=$(mktemp -d)
TESTBED_EXIT_HOOKS+=("rm -rf '$WORK'")

slurm_up() { scontrol ping 2>/dev/null | grep -q 'is UP' && [[ -n $(sinfo -h -o '%T' 2>/dev/null | grep -E '^(idle|mixed|allocated|completing)') ]]; }

# The wrappers use the Slurm Perl API (libslurm-perl), which must match the installed
# SLURM exactly; the version we extracted is recorded next to them.
installed_slurm_version() { dpkg-query -W -f='${Version}' slurm-client 2>/dev/null; }

download_wrappers() {
  local version=$1 deb attempt
  chmod 755 "$WORK"
  # apt drops privileges to _apt for downloads; let it write here.
  chown _apt "$WORK" 2>/dev/null || true
  for attempt in 1 2 3; do
    if (cd "$WORK" && apt-get -q download "slurm-wlm-torque=$version") >>"$TESTBED_APT_LOG" 2>&1; then
      break
    fi
    warn "apt-get download slurm-wlm-torque=$version failed (attempt $attempt/3)"
    (( attempt < 3 )) || { tail -n 20 "$TESTBED_APT_LOG" >&2; die "cannot download slurm-wlm-torque=$version (log: $TESTBED_APT_LOG)"; }
    apt_update_once
    sleep $(( attempt * 2 ))
  done
  deb=$(ls "$WORK"/slurm-wlm-torque_*.deb)
  dpkg-deb -x "$deb" "$WORK/root"
  local name
  install -d -m 755 "$TORQUE_BIN"
  for name in "${WRAPPERS[@]}"; do
    [[ -f $WORK/root/usr/bin/$name ]] || die "$deb has no usr/bin/$name"
    install -m 755 "$WORK/root/usr/bin/$name" "$TORQUE_BIN/$name"
  done
  printf '%s\n' "$version" >"$TORQUE_DIR/VERSION"
  log "extracted ${WRAPPERS[*]} from slurm-wlm-torque $version into $TORQUE_BIN"
}

ensure_wrappers() {
  local version name
  version=$(installed_slurm_version)
  [[ -n $version ]] || die "slurm-client is not installed; run slurm-up.sh first"
  if [[ -x $TORQUE_BIN/qsub && $(cat "$TORQUE_DIR/VERSION" 2>/dev/null) == "$version" ]]; then
    log "wrappers present in $TORQUE_BIN (slurm-wlm-torque $version)"
  else
    download_wrappers "$version"
  fi
  for name in "${SLURM_COMMANDS[@]}"; do
    [[ -x /usr/bin/$name ]] || die "/usr/bin/$name is missing; is slurm-client installed?"
    [[ $(readlink "$TORQUE_BIN/$name" 2>/dev/null) == /usr/bin/$name ]] || ln -sfn "/usr/bin/$name" "$TORQUE_BIN/$name"
  done
  perl -MSlurm -MSlurmdb -e 1 2>/dev/null || die "the Slurm Perl modules do not load: $(perl -MSlurm -MSlurmdb -e 1 2>&1 | head -n 3)"
}

# spank_pbs would give EVERY SLURM job PBS_JOBID, PBS_JOBNAME and PBS_O_WORKDIR, so code
# that detects PBS by those variables would think a SLURM job is a PBS one. Keep it off.
ensure_spank_pbs_disabled() {
  local file changed=0
  for file in /etc/slurm/plugstack.conf /etc/slurm/plugstack.conf.d/*.conf; do
    [[ -f $file ]] || continue
    if grep -qE '^[[:space:]]*(required|optional)[[:space:]].*spank_pbs' "$file"; then
      log "disabling spank_pbs in $file"
      sed -i -E 's/^([[:space:]]*(required|optional)[[:space:]].*spank_pbs.*)$/# disabled by flotilla testbed: \1/' "$file"
      changed=1
    fi
  done
  if (( changed )); then
    scontrol reconfigure >/dev/null 2>&1 || warn "scontrol reconfigure failed"
  else
    log "spank_pbs is disabled"
  fi
}

torque() { PATH="$TORQUE_BIN:$PATH" "$@"; }
job_state() { squeue -t all -h -j "$1" -o '%T' 2>/dev/null | head -n 1; }
job_state_is() { [[ $(job_state "$1") == "$2" ]]; }

check_wrappers() {
  local dir=$WORK/check job out cancel_job
  # Other engineers' jobs may hold every CPU; check jobs would then wait for them.
  if [[ $(sinfo -h -o '%T' 2>/dev/null | head -n 1) == allocated ]]; then
    out=$(torque qstat 2>&1) || die "qstat (Torque wrapper) failed: $out"
    log "SLURM is fully allocated by running jobs; checked qstat only, skipping the check jobs"
    return 0
  fi
  mkdir -p "$dir"
  cat >"$dir/check.pbs" <<'EOF'
#!/bin/bash
#PBS -N flotilla_torque_check
#PBS -l walltime=00:05:00
#PBS -l nodes=1:ppn=1
echo torque-check-ok
EOF
  job=$(cd "$dir" && torque qsub check.pbs 2>&1) || die "qsub (Torque wrapper) failed: $job"
  [[ $job =~ ^[0-9]+ ]] || die "qsub printed '$job', expected a job id"
  job=${BASH_REMATCH[0]}
  log "qsub submitted job $job"
  out=$(torque qstat "$job" 2>&1) || die "qstat $job (Torque wrapper) failed: $out"
  wait_until "$WAIT_SECONDS" "job $job completed" job_state_is "$job" COMPLETED ||
    die "job $job is '$(job_state "$job")' after ${WAIT_SECONDS} s, expected COMPLETED"
  grep -qx torque-check-ok "$dir/check.pbs.o$job" 2>/dev/null ||
    die "job $job completed but $dir/check.pbs.o$job does not hold its output (files: $(ls "$dir"))"
  log "job $job COMPLETED, output in check.pbs.o$job"

  cancel_job=$(cd "$dir" && printf '#!/bin/bash\n#PBS -N flotilla_torque_qdel\nsleep 300\n' >sleep.pbs && torque qsub sleep.pbs 2>&1) ||
    die "qsub of the qdel check job failed: $cancel_job"
  cancel_job=${cancel_job%%[!0-9]*}
  out=$(torque qdel "$cancel_job" 2>&1) || die "qdel $cancel_job (Torque wrapper) failed: $out"
  wait_until "$WAIT_SECONDS" "job $cancel_job cancelled" job_state_is "$cancel_job" CANCELLED || {
    scancel "$cancel_job" 2>/dev/null || true
    die "after qdel, job $cancel_job is '$(job_state "$cancel_job")', expected CANCELLED"
  }
  log "qdel cancelled job $cancel_job"
}

main() {
  require_root
  take_lock torque
  if slurm_up; then
    log "SLURM is up"
  else
    log "SLURM is not up; running slurm-up.sh"
    "$HERE/slurm-up.sh" || die "slurm-up.sh failed; the Torque wrappers need SLURM"
  fi
  apt_install "${TORQUE_PACKAGES[@]}"
  ensure_wrappers
  ensure_spank_pbs_disabled
  check_wrappers
  log "Torque wrappers ready: PATH=$TORQUE_BIN:\$PATH qsub/qstat/qdel"
}

main "$@"
