#!/usr/bin/env bash
# `make local`: the stack's topology on this machine, without Docker — nginx with the
# stack's config, 3 web replicas, Redis with requirepass, and FerretDB (a MongoDB
# wire-protocol server on SQLite) — state under .local/twin. Secrets are generated into
# files and handed over as *_FILE, as Swarm does. Running it again starts only what is
# not running (a crashed replica is replaced), never a second copy.
set -euo pipefail
# shellcheck source=stack/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$STATE" "$LOGS" "$RUN" "$REPLICAS" "$STATE/redis" "$STATE/mongo"
# Only the owner may read the secrets.
mkdir -p "$SECRETS" && chmod 700 "$SECRETS"

# --- secrets: 256 random bits per file, never printed ------------------------------
for name in mongo_password redis_password admin_password; do
  if [[ ! -s "$SECRETS/$name" ]]; then
    (umask 077 && openssl rand -hex 32 | tr -d '\n' >"$SECRETS/$name")
  fi
done

# --- build --------------------------------------------------------------------------
if [[ ! -f "$ROOT/dist/app/main.js" ]]; then
  log "dist/app/main.js missing: npm run build"
  (cd "$ROOT" && npm run -s build)
fi

# --- Redis: the stack's own entrypoint script, with the twin's paths ----------------
if ! pid_alive "$RUN/redis.pid" redis-server; then
  spawn "$RUN/redis.pid" "$LOGS/redis.log" env \
    REDIS_CONF="$STATE/redis/redis.conf" REDIS_SECRET_FILE="$SECRETS/redis_password" \
    REDIS_PORT="$LOCAL_REDIS_PORT" REDIS_BIND=127.0.0.1 REDIS_DIR="$STATE/redis" \
    sh "$ROOT/stack/swarm/redis-entrypoint.sh"
  wait_for "redis :$LOCAL_REDIS_PORT" 15 port_open "$LOCAL_REDIS_PORT" ||
    die "redis did not start (log: $LOGS/redis.log)"
fi

# --- MongoDB wire protocol ----------------------------------------------------------
# MONGO_URL names an outside server: use it as is (with LOCAL_MONGO_PASSWORD_FILE if it
# needs a password). Otherwise mongod if installed, else FerretDB. Neither is started
# with authentication here — FerretDB's SQLite backend has none — so the twin's app
# gets no MONGO_PASSWORD_FILE; the stack's least-privilege user is a Swarm-only check.
if [[ -n "${MONGO_URL:-}" ]]; then
  TWIN_MONGO_URL="$MONGO_URL"
  TWIN_MONGO_PASSWORD_FILE="${LOCAL_MONGO_PASSWORD_FILE:-}"
else
  TWIN_MONGO_URL="mongodb://127.0.0.1:$LOCAL_MONGO_PORT/groundwork"
  TWIN_MONGO_PASSWORD_FILE=""
  if ! pid_alive "$RUN/mongo.pid" 'mongod|ferretdb'; then
    mkdir -p "$STATE/mongo/data"
    if command -v mongod >/dev/null; then
      spawn "$RUN/mongo.pid" "$LOGS/mongo.log" mongod --dbpath "$STATE/mongo/data" \
        --bind_ip 127.0.0.1 --port "$LOCAL_MONGO_PORT"
    else
      [[ -x "$FERRETDB_BIN" ]] || die "no FerretDB at $FERRETDB_BIN: run 'make install'"
      spawn "$RUN/mongo.pid" "$LOGS/mongo.log" "$FERRETDB_BIN" --handler=sqlite \
        "--sqlite-url=file:$STATE/mongo/data/" "--listen-addr=127.0.0.1:$LOCAL_MONGO_PORT" \
        "--debug-addr=127.0.0.1:$LOCAL_FERRETDB_DEBUG_PORT" \
        "--state-dir=$STATE/mongo" --telemetry=disable --log-level=warn
    fi
    wait_for "mongo :$LOCAL_MONGO_PORT" 30 port_open "$LOCAL_MONGO_PORT" ||
      die "MongoDB server did not start (log: $LOGS/mongo.log)"
  fi
fi
# rollout.sh starts replicas later and must give them the same database.
printf 'TWIN_MONGO_URL=%q\nTWIN_MONGO_PASSWORD_FILE=%q\n' "$TWIN_MONGO_URL" \
  "$TWIN_MONGO_PASSWORD_FILE" >"$RUN/mongo.env"

# --- web replicas -------------------------------------------------------------------
for port in $(active_ports); do
  pid_alive "$REPLICAS/$port.pid" main.js || {
    log "replica :$port is gone; replacing it"
    rm -f "$REPLICAS/$port.pid"
  }
done
mapfile -t ports < <(active_ports)
while ((${#ports[@]} < LOCAL_REPLICAS)); do
  port="$(free_port)"
  start_replica "$port"
  ports+=("$port")
done

# --- nginx: every slot is in its upstream, so replicas need no reload ---------------
start_nginx
wait_for "nginx :$LOCAL_HTTP_PORT" 15 \
  curl -fs -o /dev/null --max-time 2 "http://$LOCAL_HTTP_HOST:$LOCAL_HTTP_PORT/version" ||
  die "nginx does not answer (log: $LOGS/nginx-error.log)"

cat <<INFO
groundwork local twin is up
  URL:            http://$LOCAL_HTTP_HOST:$LOCAL_HTTP_PORT
  replicas:       ${ports[*]/#/127.0.0.1:}
  admin user:     admin, password in $SECRETS/admin_password
  logs:           $LOGS
  stop it with:   make local-down
INFO
