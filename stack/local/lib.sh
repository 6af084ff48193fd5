# shellcheck shell=bash
# The local twin's settings and helpers, sourced by up.sh, rollout.sh and down.sh.
# Every port and path can be overridden from the environment, so a test can run a twin
# of its own next to a developer's.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${LOCAL_STATE_DIR:-$ROOT/.local/twin}"
LOCAL_HTTP_HOST="${LOCAL_HTTP_HOST:-127.0.0.1}"
LOCAL_HTTP_PORT="${LOCAL_HTTP_PORT:-8080}"
# nginx's upstream is a fixed set of LOCAL_SLOTS ports from LOCAL_BASE_PORT up
# (3101-3106), rendered once: a replica takes the lowest free slot (3101-3103 at first,
# 3104 for the first new one in a rollout), so adding or removing a replica never
# reloads nginx. A reload closes every idle client keep-alive connection, and a client
# reusing one at that instant gets a reset. nginx skips empty slots by itself: a
# refused connect sends nothing, so it retries the request on the next slot, whatever
# its method, and marks the slot failed for fail_timeout (see nginx/render.sh).
LOCAL_BASE_PORT="${LOCAL_BASE_PORT:-3101}"
LOCAL_REPLICAS="${LOCAL_REPLICAS:-3}"
# A rollout needs LOCAL_REPLICAS + 1 at once; the rest is headroom for a scale-up test.
LOCAL_SLOTS="${LOCAL_SLOTS:-$((LOCAL_REPLICAS * 2))}"
# Off the default ports, so a system Redis or MongoDB can run beside the twin.
LOCAL_REDIS_PORT="${LOCAL_REDIS_PORT:-6390}"
LOCAL_MONGO_PORT="${LOCAL_MONGO_PORT:-27190}"
LOCAL_FERRETDB_DEBUG_PORT="${LOCAL_FERRETDB_DEBUG_PORT:-$((LOCAL_MONGO_PORT + 1))}"
# `bench` lifts nginx's rate limit (and nothing else) for benchmarks.
LOCAL_NGINX_VARIANT="${LOCAL_NGINX_VARIANT:-local}"
LOCAL_START_TIMEOUT="${LOCAL_START_TIMEOUT:-60}"
LOCAL_DRAIN_DELAY_MS="${LOCAL_DRAIN_DELAY_MS:-5000}"
LOCAL_SHUTDOWN_TIMEOUT_MS="${LOCAL_SHUTDOWN_TIMEOUT_MS:-20000}"
# Multiplies the app's own limiters (RATE_LIMIT_SCALE); 1 is production's. nginx's
# 20 r/s per address is not affected.
LOCAL_RATE_LIMIT_SCALE="${LOCAL_RATE_LIMIT_SCALE:-1}"
FERRETDB_BIN="${FERRETDB_BIN:-$ROOT/.local/bin/ferretdb}"

SECRETS="$STATE/secrets"
LOGS="$STATE/logs"
RUN="$STATE/run"
REPLICAS="$STATE/replicas"

log() { echo "local: $*" >&2; }
die() {
  log "$*"
  exit 1
}

# --- processes, each with a pid file under $RUN or $REPLICAS --------------------------

# pid_alive FILE REGEX: the pid in FILE is running and its command line matches REGEX,
# so a stale pid file never makes us signal some unrelated process.
pid_alive() {
  local pid cmdline
  [[ -f "$1" ]] || return 1
  pid="$(<"$1")"
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  # No `| grep -q`: under pipefail its early exit would fail the pipeline (SIGPIPE).
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" =~ $2 ]]
}

# spawn PIDFILE LOGFILE CMD...: start CMD in its own session (so ^C on `make local`
# does not take the twin down), stdin closed, output to LOGFILE. The secrets the app
# could take as plain variables are removed from its environment: it gets *_FILE only.
spawn() {
  local pidfile="$1" logfile="$2"
  shift 2
  env -u MONGO_PASSWORD -u REDIS_PASSWORD -u ADMIN_PASSWORD \
    setsid "$@" </dev/null >>"$logfile" 2>&1 &
  echo "$!" >"$pidfile"
}

# stop_pid FILE PATTERN SIGNAL TIMEOUT_S: signal, wait, SIGKILL past the timeout.
# SIGNAL "-" only waits: the app handles its first SIGTERM by draining, and a second
# one would kill it on the spot, so a replica is never signalled twice.
stop_pid() {
  local file="$1" pattern="$2" signal="$3" timeout="$4" pid waited=0
  if pid_alive "$file" "$pattern"; then
    pid="$(<"$file")"
    if [[ "$signal" != - ]]; then kill "-$signal" "$pid" 2>/dev/null || true; fi
    while pid_alive "$file" "$pattern" && ((waited < timeout * 10)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    if pid_alive "$file" "$pattern"; then
      log "$(basename "$file" .pid) ignored SIG$signal for ${timeout}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for WHAT SECONDS CMD...: retry CMD until it succeeds or time runs out.
wait_for() {
  local what="$1" deadline=$((SECONDS + $2))
  shift 2
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
  log "$what is up"
}

# --- replicas: one pid file per port in $REPLICAS ----------------------------------

active_ports() {
  local f
  for f in "$REPLICAS"/*.pid; do
    [[ -e "$f" ]] && basename "$f" .pid
  done | sort -n
}

slot_ports() { seq "$LOCAL_BASE_PORT" $((LOCAL_BASE_PORT + LOCAL_SLOTS - 1)); }

# free_port: the lowest slot no replica (or anything else) holds.
free_port() {
  local port
  for port in $(slot_ports); do
    if [[ ! -e "$REPLICAS/$port.pid" ]] && ! port_open "$port"; then
      echo "$port"
      return
    fi
  done
  die "no free slot among ports $LOCAL_BASE_PORT-$((LOCAL_BASE_PORT + LOCAL_SLOTS - 1)) (LOCAL_SLOTS)"
}

replica_ready() { curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$1/readyz"; }

# start_replica PORT: one `node dist/app/main.js`, secrets as files, version from
# LOCAL_VERSION (rollouts set a new one), waits until its /readyz answers 200.
start_replica() {
  local port="$1" pidfile="$REPLICAS/$1.pid" logfile="$LOGS/web-$1.log"
  local mongo_password=()
  if [[ -n "${TWIN_MONGO_PASSWORD_FILE:-}" ]]; then
    mongo_password=("MONGO_PASSWORD_FILE=$TWIN_MONGO_PASSWORD_FILE")
  fi
  log "starting replica on :$port (version ${LOCAL_VERSION:-$(git -C "$ROOT" describe --tags --always --dirty)})"
  # env -i: a clean environment, as in a container — nothing of the caller's (least of
  # all a stray *_PASSWORD) reaches the app.
  spawn "$pidfile" "$logfile" env -i PATH="$PATH" HOME="${HOME:-/}" \
    NODE_ENV=production PORT="$port" TRUST_PROXY=true LOG_LEVEL="${LOG_LEVEL:-info}" \
    MONGO_URL="$TWIN_MONGO_URL" "${mongo_password[@]}" \
    REDIS_URL="redis://127.0.0.1:$LOCAL_REDIS_PORT" \
    REDIS_PASSWORD_FILE="$SECRETS/redis_password" \
    ADMIN_PASSWORD_FILE="$SECRETS/admin_password" \
    DRAIN_DELAY_MS="$LOCAL_DRAIN_DELAY_MS" SHUTDOWN_TIMEOUT_MS="$LOCAL_SHUTDOWN_TIMEOUT_MS" \
    KEEP_ALIVE_TIMEOUT_MS=65000 RATE_LIMIT_SCALE="$LOCAL_RATE_LIMIT_SCALE" \
    APP_VERSION="${LOCAL_VERSION:-$(git -C "$ROOT" describe --tags --always --dirty)}" \
    APP_COMMIT="$(git -C "$ROOT" rev-parse HEAD)" \
    node "$ROOT/dist/app/main.js"
  if ! wait_for "replica :$port" "$LOCAL_START_TIMEOUT" replica_alive_and_ready "$port"; then
    tail -n 20 "$logfile" >&2 || true
    stop_pid "$pidfile" main.js KILL 1
    die "replica on :$port did not become ready (log: $logfile)"
  fi
}

replica_alive_and_ready() {
  # kill -0, not pid_alive: we just started this pid, and while it is still exec-ing
  # env → setsid → env → node, /proc/<pid>/cmdline can read empty for an instant.
  if ! kill -0 "$(<"$REPLICAS/$1.pid")" 2>/dev/null; then
    tail -n 20 "$LOGS/web-$1.log" >&2 || true
    rm -f "$REPLICAS/$1.pid"
    die "replica on :$1 exited during start-up (log: $LOGS/web-$1.log)"
  fi
  replica_ready "$1"
}

# term_replica PORT: SIGTERM once; the app drains and exits by itself.
term_replica() {
  if pid_alive "$REPLICAS/$1.pid" main.js; then kill -TERM "$(<"$REPLICAS/$1.pid")"; fi
}

# reap_replica PORT: wait for a signalled replica to exit within its shutdown deadline;
# SIGKILL only if it overstays that by 5 s.
reap_replica() {
  stop_pid "$REPLICAS/$1.pid" main.js - $((LOCAL_SHUTDOWN_TIMEOUT_MS / 1000 + 5))
}

# --- nginx -------------------------------------------------------------------------

nginx_ctl() { nginx -p "$RUN/nginx/" -c "$RUN/nginx/nginx.conf" "$@"; }

# render_nginx FILE: the stack's template with every slot as an upstream server.
render_nginx() {
  mkdir -p "$RUN/nginx"
  UPSTREAM_ADDRS="$(slot_ports | sed 's/^/127.0.0.1:/' | tr '\n' ' ')" \
    NGINX_RUNTIME_DIR="$RUN/nginx" \
    NGINX_LISTEN="$LOCAL_HTTP_HOST:$LOCAL_HTTP_PORT" \
    NGINX_ACCESS_LOG="$LOGS/nginx-access.log" \
    NGINX_ERROR_LOG="$LOGS/nginx-error.log" \
    bash "$ROOT/nginx/render.sh" "$LOCAL_NGINX_VARIANT" "$1"
}

nginx_running() { pid_alive "$RUN/nginx/nginx.pid" nginx; }

# start_nginx: start nginx on the slot upstream. If it already runs, reload only when
# the rendering changed (a template edit, other settings): replicas coming and going
# never need one.
start_nginx() {
  local conf="$RUN/nginx/nginx.conf"
  render_nginx "$conf.next"
  if nginx_running && cmp -s "$conf.next" "$conf"; then
    rm -f "$conf.next"
    return
  fi
  mv -f "$conf.next" "$conf"
  nginx_ctl -t -q || die "rendered nginx config failed nginx -t: $conf"
  if nginx_running; then
    log "nginx config changed: reloading (idle client connections are closed)"
    # (its "signal process started" notice is noise; the config passed nginx -t above)
    nginx_ctl -s reload 2>/dev/null
  else
    nginx_ctl
  fi
}
