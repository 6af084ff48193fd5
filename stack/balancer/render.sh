#!/usr/bin/env bash
# The shipped balancer configuration (haproxy.cfg beside this script) pointed at real
# nodes: its example addresses replaced, its listeners bound where asked. `make cluster`
# and the PROXY-protocol e2e test run what this prints; an operator may too.
#
#   BALANCER_HTTP=ADDR:PORT BALANCER_HTTPS=ADDR:PORT [NODE_HTTP_PORT=80] [NODE_HTTPS_PORT=443] \
#   [BALANCER_NODE_PORTS=ADDR:PORT] stack/balancer/render.sh NODE_ADDR...
#
# BALANCER_NODE_PORTS adds one plain-HTTP listener per node, from that port up, each
# sending to its node only (through the same PROXY protocol): a way to reach one
# node's nginx, whose ports take no connection without the balancer's header.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${BALANCER_HTTP:?BALANCER_HTTP=ADDR:PORT}" "${BALANCER_HTTPS:?BALANCER_HTTPS=ADDR:PORT}"
http="${NODE_HTTP_PORT:-80}" https="${NODE_HTTPS_PORT:-443}"
(($# > 0)) || {
  echo "usage: render.sh NODE_ADDR... (see its header)" >&2
  exit 2
}

servers() {
  local i=0 addr
  for addr in "$@"; do
    i=$((i + 1))
    if [[ "$kind" == https ]]; then echo "  server node$i $addr:$https port $http"; else echo "  server node$i $addr:$http"; fi
  done
}

kind=""
while IFS= read -r line; do
  case "$line" in
    'backend nginx_http') kind=http ;;
    'backend nginx_https') kind=https ;;
    '  bind :80') line="  bind $BALANCER_HTTP" ;;
    '  bind :443') line="  bind $BALANCER_HTTPS" ;;
  esac
  if [[ "$line" == '  server '* ]]; then
    # The example servers give way to the real ones, printed once per backend.
    if [[ -n "$kind" ]]; then servers "$@"; fi
    kind=""
    continue
  fi
  printf '%s\n' "$line"
done <"$here/haproxy.cfg"

if [[ -n "${BALANCER_NODE_PORTS:-}" ]]; then
  addr="${BALANCER_NODE_PORTS%:*}" port="${BALANCER_NODE_PORTS##*:}" i=0
  for node in "$@"; do
    i=$((i + 1))
    printf '\nlisten node%s\n  bind %s:%s\n  server node%s %s:%s no-check\n' \
      "$i" "$addr" "$((port + i - 1))" "$i" "$node" "$http"
  done
fi
