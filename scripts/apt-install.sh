# Sourced by the install-*.sh scripts: `apt_install_retrying LOG PACKAGE...` installs Debian packages as
# root, waiting for the dpkg lock (other installs may run at the same time), updating the package lists
# when apt does not know the first package yet, and retrying a few times (refreshing the lists once)
# before it gives up with the log's tail. `say` and `die` come from the calling script.

apt_install_retrying() {
  local log=$1
  shift
  local attempts=3 updated=no attempt
  export DEBIAN_FRONTEND=noninteractive
  _apt_get() { apt-get -o DPkg::Lock::Timeout=180 "$@" >>"$log" 2>&1; }
  if ! apt-cache show "$1" >/dev/null 2>&1; then
    say "package lists do not know $1 yet: apt-get update"
    _apt_get update || die "apt-get update failed; see $log"
    updated=yes
  fi
  for attempt in $(seq 1 "$attempts"); do
    say "apt-get install $* (attempt $attempt of $attempts; output in $log)"
    if _apt_get install -y --no-install-recommends "$@"; then return 0; fi
    if [[ $attempt -eq $attempts ]]; then
      tail -n 30 "$log" >&2 || true
      die "apt-get install $* failed $attempts times; see $log"
    fi
    # A failed fetch usually means stale lists (a security update replaced the version).
    if [[ $updated == no ]]; then
      say "install failed; refreshing the package lists once"
      _apt_get update || true
      updated=yes
    fi
    sleep $((attempt * 5))
  done
}
