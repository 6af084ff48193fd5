#!/usr/bin/env bash
# Render nginx/nginx.conf.template for one target. The stack, CI's `nginx -t` and the
# benchmark all come from the same template; only these values differ.
#
#   nginx/render.sh stack|check|bench [OUTPUT]     (stdout without OUTPUT)
#
# Overridable by environment: UPSTREAM_ADDRS (space-separated host:port list),
# NGINX_LISTEN, NGINX_TLS_LISTEN, NGINX_STATUS_LISTEN, NGINX_TLS_CERT, NGINX_TLS_KEY, NGINX_RUNTIME_DIR,
# NGINX_ACCESS_LOG, NGINX_ERROR_LOG, NGINX_RESOLVER.
#
# The operator's two edge settings (stack/README.md, "The edge"):
#   EDGE_HTTPS_ONLY=true       plain HTTP answers a 308 to HTTPS; HTTPS sends HSTS
#   EDGE_PROXY_FROM="ADDR ..." behind a layer-4 balancer: both ports take the PROXY
#                              protocol, and the client address it carries is believed
#                              from these addresses or CIDRs only
#   HTTPS_PORT                 the published HTTPS port the redirect names (443)
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
# nginx 1.25.1 made HTTP/2 a server directive; older ones (the hosts' 1.22, which runs
# `nginx -t` and the benchmark) take it as a listen parameter.
http2_directive() {
  local version
  version="$(nginx -v 2>&1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' || echo 0.0.0)"
  [[ "$(printf '%s\n' 1.25.1 "$version" | sort -V | head -1)" == 1.25.1 ]]
}

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
    : "${NGINX_TLS_LISTEN:=443}"
    # Swarm secrets (docker-stack.yml): the certificate chain and its key.
    : "${NGINX_TLS_CERT:=/run/secrets/tls_cert}"
    : "${NGINX_TLS_KEY:=/run/secrets/tls_key}"
    # The stack's nginx is 1.30 (nginx:1.28 in production): HTTP/2 is a directive.
    : "${NGINX_HTTP2_STYLE:=directive}"
    # The same name, resolved once at start-up (not `resolve`) as a backup: a new nginx
    # starts serving before its first `resolve` of tasks.web has answered, and without
    # this it would answer those first requests "no live upstreams" (502). It is used
    # only while no resolved replica is there; stack/swarm/nginx-entrypoint.sh starts
    # nginx only once tasks.web resolves, as start-up fails if it does not.
    backup_servers="tasks.web:3000"
    # stub_status for the nginx-exporter of the same node: a socket in the node-local
    # volume nginx-status that both mount (docker-stack.yml), on no network at all.
    : "${NGINX_STATUS_LISTEN:=unix:/run/nginx-status/status.sock}"
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
    : "${NGINX_TLS_LISTEN:=127.0.0.1:8443}"
    # Without a pair of the caller's, a throwaway self-signed one in the runtime dir.
    if [[ -z "${NGINX_TLS_CERT:-}" ]]; then
      NGINX_TLS_CERT="$NGINX_RUNTIME_DIR/tls/cert.pem" NGINX_TLS_KEY="$NGINX_RUNTIME_DIR/tls/key.pem"
      if [[ ! -f "$NGINX_TLS_CERT" ]]; then
        mkdir -p "$NGINX_RUNTIME_DIR/tls" && chmod 700 "$NGINX_RUNTIME_DIR/tls"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
          -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
          -keyout "$NGINX_TLS_KEY" -out "$NGINX_TLS_CERT" 2>/dev/null
      fi
    fi
    if http2_directive; then : "${NGINX_HTTP2_STYLE:=directive}"; else : "${NGINX_HTTP2_STYLE:=listen}"; fi
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
for addr in ${backup_servers:-}; do
  NGINX_UPSTREAM_SERVERS+="        server $addr max_fails=1 fail_timeout=5s backup;"$'\n'
done
if [[ -z "$NGINX_UPSTREAM_SERVERS" ]]; then
  echo "render.sh: UPSTREAM_ADDRS is empty" >&2
  exit 2
fi

if [[ "$NGINX_HTTP2_STYLE" == directive ]]; then
  NGINX_HTTP2="http2 on;" NGINX_HTTP2_LISTEN=""
else
  NGINX_HTTP2="" NGINX_HTTP2_LISTEN=" http2"
fi

case "${EDGE_HTTPS_ONLY:-false}" in
  true) NGINX_HTTPS_ONLY=1 NGINX_HSTS="max-age=63072000" ;;
  false) NGINX_HTTPS_ONLY=0 NGINX_HSTS="" ;;
  *)
    echo "render.sh: EDGE_HTTPS_ONLY must be true or false, not '$EDGE_HTTPS_ONLY'" >&2
    exit 2
    ;;
esac
https_port="${HTTPS_PORT:-443}"
if [[ "$https_port" == 443 ]]; then NGINX_HTTPS_PORT_SUFFIX=""; else NGINX_HTTPS_PORT_SUFFIX=":$https_port"; fi

NGINX_PROXY_PROTOCOL="" NGINX_REAL_IP="    # (EDGE_PROXY_FROM is empty: no balancer is trusted.)"
if [[ -n "${EDGE_PROXY_FROM:-}" ]]; then
  NGINX_PROXY_PROTOCOL=" proxy_protocol"
  NGINX_REAL_IP=""
  for from in $EDGE_PROXY_FROM; do
    if [[ ! "$from" =~ ^[0-9a-fA-F.:]+(/[0-9]{1,3})?$ ]]; then
      echo "render.sh: EDGE_PROXY_FROM must list addresses or CIDRs, not '$from'" >&2
      exit 2
    fi
    NGINX_REAL_IP+="    set_real_ip_from $from;"$'\n'
  done
  NGINX_REAL_IP+="    real_ip_header proxy_protocol;"
fi

NGINX_NEXT_UPSTREAM_TRIES="$next_upstream_tries"
export NGINX_USER_DIRECTIVE NGINX_LISTEN NGINX_RUNTIME_DIR NGINX_ACCESS_LOG \
  NGINX_ERROR_LOG NGINX_RESOLVER NGINX_STATUS_LISTEN NGINX_RATE NGINX_BURST NGINX_UPSTREAM_SERVERS NGINX_NEXT_UPSTREAM_TRIES \
  NGINX_TLS_LISTEN NGINX_TLS_CERT NGINX_TLS_KEY NGINX_HTTP2 NGINX_HTTP2_LISTEN NGINX_HTTPS_ONLY \
  NGINX_HSTS NGINX_HTTPS_PORT_SUFFIX NGINX_PROXY_PROTOCOL NGINX_REAL_IP
# Only these names are substituted: nginx's own $variables must survive.
# shellcheck disable=SC2016 # the list is for envsubst, not for the shell
vars='${NGINX_USER_DIRECTIVE} ${NGINX_LISTEN} ${NGINX_RUNTIME_DIR} ${NGINX_ACCESS_LOG} ${NGINX_ERROR_LOG} ${NGINX_RESOLVER} ${NGINX_STATUS_LISTEN} ${NGINX_RATE} ${NGINX_BURST} ${NGINX_UPSTREAM_SERVERS} ${NGINX_NEXT_UPSTREAM_TRIES} ${NGINX_TLS_LISTEN} ${NGINX_TLS_CERT} ${NGINX_TLS_KEY} ${NGINX_HTTP2} ${NGINX_HTTP2_LISTEN} ${NGINX_HTTPS_ONLY} ${NGINX_HSTS} ${NGINX_HTTPS_PORT_SUFFIX} ${NGINX_PROXY_PROTOCOL} ${NGINX_REAL_IP}'

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
