#!/usr/bin/env bash
# Render nginx/nginx.conf.template for one target. The stack, CI's `nginx -t` and the
# benchmark all come from the same template; only these values differ.
#
#   nginx/render.sh stack|check|bench [OUTPUT]     (stdout without OUTPUT)
#
# Overridable by environment: UPSTREAM_ADDRS (space-separated host:port list),
# NGINX_LISTEN, NGINX_STATUS_LISTEN, NGINX_RUNTIME_DIR, NGINX_ACCESS_LOG, NGINX_ERROR_LOG, NGINX_RESOLVER.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mode="${1:?usage: render.sh stack|check|bench [OUTPUT]}"
out="${2:-}"

# Passive health: one failed attempt takes a replica out for 5 s, then nginx tries it again.
server_params="max_fails=1 fail_timeout=5s"
# How many upstream servers one request may try (proxy_next_upstream_tries).
next_upstream_tries=3
NGINX_RATE="20r/s"
NGINX_BURST="20"

case "$mode" in
  stack)
    # tasks.web resolves to every healthy task's own address (not the service's virtual
    # IP), so nginx balances across replicas itself and can retry on another one.
    # `resolve` (open-source nginx >= 1.27.3) re-resolves it while running.
    : "${UPSTREAM_ADDRS:=tasks.web:3000}"
    server_params="$server_params resolve"
    : "${NGINX_USER_DIRECTIVE:=user nginx;}"
    : "${NGINX_LISTEN:=80}"
    : "${NGINX_RUNTIME_DIR:=/tmp}"
    : "${NGINX_ACCESS_LOG:=/dev/stdout}"
    : "${NGINX_ERROR_LOG:=stderr}"
    : "${NGINX_RESOLVER:=127.0.0.11}"
    # stub_status for nginx-exporter, on the overlay networks only (not published).
    : "${NGINX_STATUS_LISTEN:=8081}"
    ;;
  bench | check)
    # Static addresses, as CI's nginx (1.22) has no `resolve`; a request may try every
    # one of them. Everything else is the stack's configuration.
    : "${UPSTREAM_ADDRS:=127.0.0.1:3101 127.0.0.1:3102 127.0.0.1:3103}"
    # shellcheck disable=SC2086 # word splitting counts the addresses
    next_upstream_tries="$(set -- $UPSTREAM_ADDRS && echo $#)"
    : "${NGINX_RUNTIME_DIR:?NGINX_RUNTIME_DIR must name a writable directory}"
    : "${NGINX_LISTEN:=127.0.0.1:8080}"
    : "${NGINX_ACCESS_LOG:=$NGINX_RUNTIME_DIR/access.log}"
    : "${NGINX_ERROR_LOG:=$NGINX_RUNTIME_DIR/error.log}"
    : "${NGINX_RESOLVER:=127.0.0.1}"
    # A socket in the private directory: no TCP port to collide with.
    : "${NGINX_STATUS_LISTEN:=unix:$NGINX_RUNTIME_DIR/status.sock}"
    # Run as root, workers drop to nobody; otherwise they run as the caller.
    if [[ "$(id -u)" == 0 ]]; then
      : "${NGINX_USER_DIRECTIVE:=user nobody $(id -gn nobody);}"
    else
      : "${NGINX_USER_DIRECTIVE:=}"
    fi
    # The benchmark measures the app, not the limiter: the only setting it changes.
    # nginx meters the rate per millisecond, so a high rate alone still rejects a
    # benchmark's simultaneous requests: the burst is lifted with it.
    if [[ "$mode" == bench ]]; then NGINX_RATE="100000r/s" NGINX_BURST="100000"; fi
    ;;
  *)
    echo "render.sh: unknown mode '$mode' (stack, check or bench)" >&2
    exit 2
    ;;
esac

NGINX_UPSTREAM_SERVERS=""
for addr in $UPSTREAM_ADDRS; do
  NGINX_UPSTREAM_SERVERS+="        server $addr $server_params;"$'\n'
done
if [[ -z "$NGINX_UPSTREAM_SERVERS" ]]; then
  echo "render.sh: UPSTREAM_ADDRS is empty" >&2
  exit 2
fi

NGINX_NEXT_UPSTREAM_TRIES="$next_upstream_tries"
export NGINX_USER_DIRECTIVE NGINX_LISTEN NGINX_RUNTIME_DIR NGINX_ACCESS_LOG \
  NGINX_ERROR_LOG NGINX_RESOLVER NGINX_STATUS_LISTEN NGINX_RATE NGINX_BURST NGINX_UPSTREAM_SERVERS NGINX_NEXT_UPSTREAM_TRIES
# Only these names are substituted: nginx's own $variables must survive.
# shellcheck disable=SC2016 # the list is for envsubst, not for the shell
vars='${NGINX_USER_DIRECTIVE} ${NGINX_LISTEN} ${NGINX_RUNTIME_DIR} ${NGINX_ACCESS_LOG} ${NGINX_ERROR_LOG} ${NGINX_RESOLVER} ${NGINX_STATUS_LISTEN} ${NGINX_RATE} ${NGINX_BURST} ${NGINX_UPSTREAM_SERVERS} ${NGINX_NEXT_UPSTREAM_TRIES}'

render() {
  echo "# Rendered by nginx/render.sh $mode from nginx/nginx.conf.template: edit that, not this."
  envsubst "$vars" <"$here/nginx.conf.template"
}

if [[ -n "$out" ]]; then
  render >"$out.tmp"
  # Atomic replace: a reload never reads a half-written file.
  mv -f "$out.tmp" "$out"
else
  render
fi
