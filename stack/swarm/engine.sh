#!/usr/bin/env bash
# Makes sure `docker` reaches an engine: the one DOCKER_HOST or the default socket names.
# If none answers and DOCKER_HOST is unset, installs docker.io (Debian) when dockerd is
# missing and starts dockerd as root, logging to .local/dockerd.log. Fails, saying why,
# when no engine can be had.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if docker info >/dev/null 2>&1; then exit 0; fi
if [[ -n "${DOCKER_HOST:-}" ]]; then
  echo "engine: DOCKER_HOST=$DOCKER_HOST does not answer (docker info failed)" >&2
  exit 1
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "engine: no Docker engine answers, and starting one needs root" >&2
  exit 1
fi
if ! command -v dockerd >/dev/null; then
  echo "engine: installing docker.io"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi
mkdir -p .local
echo "engine: starting dockerd (log: .local/dockerd.log)"
# setsid: the engine outlives this script and the make that ran it. It must not inherit
# this script's other descriptors: under `flock LOCK make swarm`, flock's lock is one,
# and a dockerd holding it keeps LOCK taken for as long as the engine runs (it did:
# every later `flock` waited forever).
start_dockerd() {
  local fd
  for fd in /proc/self/fd/*; do
    fd="${fd##*/}"
    if ((fd > 2)); then eval "exec $fd>&-"; fi
  done
  exec setsid dockerd
}
start_dockerd >.local/dockerd.log 2>&1 </dev/null &
for _ in $(seq 60); do
  if docker info >/dev/null 2>&1; then
    echo "engine: dockerd $(docker version -f '{{.Server.Version}}') is up"
    exit 0
  fi
  sleep 0.5
done
echo "engine: dockerd did not answer within 30 s; the end of .local/dockerd.log:" >&2
tail -20 .local/dockerd.log >&2
exit 1
