#!/usr/bin/env bash
# Installs what the notebook tests (test/notebook/) need to execute notebooks headless under the tslab
# kernels: Debian's Jupyter kernel runner (nbclient, nbformat, ipykernel, jupyter-client, for
# /usr/bin/python3) and tslab from npm in a scratch project (not a dependency of flotilla), with its
# kernelspecs (jslab, tslab) written under $PREFIX/share/jupyter/kernels instead of the system's
# Jupyter directories. The tests find them through JUPYTER_PATH=$PREFIX/share/jupyter.
#
# Idempotent: exits at once when everything is there. Needs root for apt; run by .ci/run and by hand
# on a dev machine. PREFIX defaults to /opt/flotilla-notebook (FLOTILLA_NOTEBOOK_PREFIX overrides it;
# the tests read the same variable).
set -euo pipefail

readonly PREFIX=${FLOTILLA_NOTEBOOK_PREFIX:-/opt/flotilla-notebook}
readonly TSLAB_VERSION=1.0.22
readonly PACKAGES=(python3-nbclient python3-nbformat python3-ipykernel jupyter-client)
readonly PYTHON=/usr/bin/python3
readonly ATTEMPTS=3
readonly LOG=/var/log/flotilla-install-jupyter.log

say() { printf '[install-jupyter] %s\n' "$*"; }
die() { printf '[install-jupyter] ERROR: %s\n' "$*" >&2; exit 1; }

python_ready() { [[ -x $PYTHON ]] && "$PYTHON" -c 'import nbclient, nbformat, ipykernel, jupyter_client' >/dev/null 2>&1; }
tslab_ready() {
  [[ -x $PREFIX/node_modules/.bin/tslab ]] \
    && [[ -f $PREFIX/share/jupyter/kernels/jslab/kernel.json ]] \
    && [[ -f $PREFIX/share/jupyter/kernels/tslab/kernel.json ]]
}

if python_ready && tslab_ready; then
  say "already installed: nbclient for $PYTHON, tslab $TSLAB_VERSION in $PREFIX"
  exit 0
fi
[[ $(id -u) -eq 0 ]] || die "must run as root to install ${PACKAGES[*]} with apt (uid is $(id -u)); run: sudo bash $0"

mkdir -p /run/lock
exec 9>/run/lock/flotilla-install-jupyter.lock
flock -w 600 9 || die "timed out after 600 s waiting for another install-jupyter run (/run/lock/flotilla-install-jupyter.lock)"

if ! python_ready; then
  # shellcheck source=scripts/apt-install.sh
  source "$(dirname "$0")/apt-install.sh"
  apt_install_retrying "$LOG" "${PACKAGES[@]}"
  python_ready || die "apt-get reported success but $PYTHON cannot import nbclient, nbformat, ipykernel, jupyter_client"
fi

if ! tslab_ready; then
  mkdir -p "$PREFIX"
  [[ -f $PREFIX/package.json ]] || printf '{ "name": "flotilla-notebook-tools", "private": true }\n' >"$PREFIX/package.json"
  for attempt in $(seq 1 "$ATTEMPTS"); do
    say "npm install tslab@$TSLAB_VERSION in $PREFIX (attempt $attempt of $ATTEMPTS)"
    if (cd "$PREFIX" && npm install --no-audit --no-fund --loglevel=error "tslab@$TSLAB_VERSION" >>"$LOG" 2>&1); then break; fi
    if [[ $attempt -eq $ATTEMPTS ]]; then
      tail -n 30 "$LOG" >&2 || true
      die "npm install tslab failed $ATTEMPTS times; see $LOG"
    fi
    sleep $((attempt * 5))
  done
  say "writing the jslab and tslab kernelspecs under $PREFIX/share/jupyter/kernels"
  (cd "$PREFIX" && "$PREFIX/node_modules/.bin/tslab" install --python="$PYTHON" \
    --binary="$PREFIX/node_modules/.bin/tslab" --prefix="$PREFIX" >>"$LOG" 2>&1) \
    || { tail -n 30 "$LOG" >&2 || true; die "tslab install failed; see $LOG"; }
  tslab_ready || die "tslab install reported success but the kernelspecs are missing under $PREFIX/share/jupyter/kernels"
fi

say "installed: nbclient $("$PYTHON" -c 'import nbclient; print(nbclient.__version__)') for $PYTHON, tslab $TSLAB_VERSION in $PREFIX (JUPYTER_PATH=$PREFIX/share/jupyter)"
