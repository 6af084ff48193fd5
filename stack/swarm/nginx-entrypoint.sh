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
exec nginx -g 'daemon off;'
