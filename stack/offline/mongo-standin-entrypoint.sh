#!/bin/sh
# Entrypoint of the MongoDB stand-in (FerretDB v1.24, SQLite backend, SCRAM auth).
# The stack runs `mongod --bind_ip_all --wiredTigerCacheSizeGB ...` for the real image;
# those flags mean nothing to FerretDB and are ignored here.
#
# The real image's init script creates the app user `groundwork` (readWrite on the
# groundwork database) on first start. FerretDB creates it with its --setup-* options,
# which take the password from the environment; so a first, short-lived FerretDB gets
# the password (read from the Swarm secret, never from the stack file), creates the
# user, and is stopped, and the long-lived FerretDB below starts without it: the
# password is in no environment of the running server.
set -eu
umask 077

data=/data/db
# server exec|background LISTEN_ADDR
server() {
  set -- "$1" --listen-addr="$2" --handler=sqlite --sqlite-url="file:$data/" \
    --state-dir=/data/configdb --debug-addr=127.0.0.1:8088 --test-enable-new-auth \
    --log-format=json --telemetry=disable
  if [ "$1" = exec ]; then
    shift
    exec ferretdb "$@"
  fi
  shift
  ferretdb "$@" &
}

# The subshell keeps the password out of the environment of the `exec` below.
create_app_user() (
  FERRETDB_SETUP_PASSWORD="$(cat /run/secrets/mongo_password)"
  export FERRETDB_SETUP_DATABASE=groundwork FERRETDB_SETUP_USERNAME=groundwork FERRETDB_SETUP_PASSWORD
  server background 127.0.0.1:27018
  pid=$!
  tries=0
  until curl -fs -o /dev/null http://127.0.0.1:8088/debug/readyz; do
    tries=$((tries + 1))
    if [ "$tries" -gt 60 ] || ! kill -0 "$pid" 2>/dev/null; then
      echo "mongo stand-in: FerretDB did not become ready to create the app user" >&2
      exit 1
    fi
    sleep 0.5
  done
  kill "$pid"
  wait "$pid" || true
)

if [ ! -f "$data/.groundwork-user-created" ]; then
  create_app_user
  touch "$data/.groundwork-user-created"
  echo "mongo stand-in: created the app user groundwork on database groundwork" >&2
fi

server exec :27017
