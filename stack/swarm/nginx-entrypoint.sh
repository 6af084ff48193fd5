#!/bin/sh
# Starts nginx in the stack only once tasks.web resolves. nginx resolves its backup
# server (nginx/render.sh) when it loads the config and refuses to start if the name is
# unknown; waiting here turns "web has no task yet" into a quiet wait instead of a
# restart loop, and means a new nginx never serves before it can find a replica.
# POSIX sh: the official image is Alpine (busybox), the offline stand-in Debian.
set -eu
name="${NGINX_UPSTREAM_NAME:-tasks.web}"
waited=0
until getent hosts "$name" >/dev/null 2>&1; do
  if [ $((waited % 10)) -eq 0 ]; then
    echo "nginx-entrypoint: waiting for $name to resolve (${waited} s)" >&2
  fi
  sleep 1
  waited=$((waited + 1))
done

# Stopping (Swarm sends SIGQUIT): /.edge-ready answers 503 at once, so that the balancer
# in front takes this node out, and nginx goes on serving for EDGE_DRAIN_SECONDS before
# its graceful stop; by then no new connection comes here and none is refused.
drain="${EDGE_DRAIN_SECONDS:-5}"
# A node that died left its stub_status socket in the volume, and nginx will not bind
# over it ("Address already in use"); one nginx per node, so a socket here is stale.
rm -f /run/nginx-status/status.sock
nginx -g 'daemon off;' &
pid=$!
# shellcheck disable=SC2317 # run by the trap below
stopping() {
  trap '' QUIT TERM
  : >/tmp/draining
  echo "nginx-entrypoint: draining for ${drain} s (/.edge-ready answers 503), then a graceful stop" >&2
  sleep "$drain"
  kill -QUIT "$pid" 2>/dev/null || true
}
trap stopping QUIT TERM
# wait returns early when a trapped signal arrives; then wait for nginx itself.
status=0
wait "$pid" || status=$?
while kill -0 "$pid" 2>/dev/null; do
  status=0
  wait "$pid" || status=$?
done
exit "$status"
