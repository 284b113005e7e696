#!/usr/bin/env bash
# Installs the Debian packages the local production topology needs (PostgreSQL, Redis, nginx), when missing.
# Idempotent; uses sudo -n when not root; says clearly what to do when the packages cannot be had.
set -euo pipefail

missing=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "Missing Debian packages: ${missing[*]}. Install them as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; then
  "${as_root[@]}" apt-get update -qq >/dev/null || true
  "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null || {
    echo "Could not install ${missing[*]} with apt-get. Install them by hand: apt-get install -y ${missing[*]}" >&2
    exit 1
  }
fi
# The packages start system-wide services on the default ports; the project runs its own private
# instances under var/prod/ instead, so the system ones are not needed (stopping them may fail in
# containers without systemd, which is fine).
for service in redis-server nginx; do
  "${as_root[@]}" service "$service" stop >/dev/null 2>&1 || true
done
