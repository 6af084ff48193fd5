#!/bin/sh
# Starts Redis in the stack with the app's ACL user, its password read from the Swarm
# secret, without the password ever appearing on a command line (`ps`,
# /proc/*/cmdline, `docker inspect`): printf is a shell builtin, so the value only
# travels from the secret file into a config file on a tmpfs that only the redis user
# can read.
# POSIX sh, so that it runs in any Redis or KeyDB image (Debian's dash has no pipefail;
# there is no pipeline here to need it).
set -eu
umask 077

# The defaults are the stack's (the official image and the offline stand-in alike); the
# REDIS_* variables let the same script run Redis elsewhere with exactly these settings.
conf="${REDIS_CONF:-/run/redis/redis.conf}"
secret="${REDIS_SECRET_FILE:-/run/secrets/redis_password}"
# Mounted only during a rotation (secrets/README.md): the incoming password.
extra="${REDIS_EXTRA_SECRET_FILE:-/run/secrets/redis_password_extra}"
role="${REDIS_ROLE:-state}"

# The commands and key prefixes the app uses on each role (app/auth/sessions.ts,
# app/rate-limit, app/cache/keys.ts), and nothing else: no FLUSHALL, CONFIG, KEYS,
# DEBUG, SCAN or MODULE for whoever holds the password. Lua scripts are checked command
# by command too. Both: PING (healthchecks, probes), INFO (ioredis's ready check),
# CLIENT SETNAME (connectionName), EVAL/EVALSHA (defineCommand), MULTI/EXEC.
common='-@all +ping +info +client|setname +quit +eval +evalsha +multi +exec +get +set +del +pttl'
case "$role" in
  # Sessions (GET/SET/DEL; each account's index, a sorted set trimmed in one Lua step:
  # ZADD, ZREMRANGEBYSCORE, ZCARD, ZPOPMIN, EXPIRE) and rate-limiter-flexible (its Lua:
  # SET, INCRBY, PTTL, EXPIRE; block/get/delete: MULTI SET/GET PTTL, DEL). No channels.
  state) commands="~session:* ~rl:* $common +incrby +expire +zadd +zremrangebyscore +zcard +zpopmin resetchannels" ;;
  # The L2 scripts (GET, SET, PTTL, PEXPIRE, DEL), invalidations and heartbeats (PUBLISH,
  # SUBSCRIBE: the invalidation channel and one heartbeat channel per replica).
  cache) commands="~gw:c:* $common +pexpire +publish +subscribe +unsubscribe &gw:cache:invalidate*" ;;
  *)
    echo "redis-entrypoint: REDIS_ROLE must be state or cache, not $role" >&2
    exit 2
    ;;
esac

{
  # Nobody signs in as `default`: its password is random, made here at each start and
  # kept nowhere else. It stays `on` with every right because Redis 7.0 replays the AOF
  # as `default`, and with it off the MULTI/EXEC blocks (every script's writes) were
  # refused on load: a restarted state Redis came back without its sessions.
  printf 'user default on >%s ~* &* +@all\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  if [ -f "$extra" ]; then
    # Both passwords open the app's user until every web replica has the new one.
    printf 'user groundwork on >%s >%s %s\n' "$(cat "$secret")" "$(cat "$extra")" "$commands"
  else
    printf 'user groundwork on >%s %s\n' "$(cat "$secret")" "$commands"
  fi
  printf 'port %s\nbind %s\ndir %s\n' "${REDIS_PORT:-6379}" "${REDIS_BIND:-* -::*}" "${REDIS_DIR:-/data}"
  cat <<'SETTINGS'
# Password auth is on, so protected mode (which only guards password-less servers) adds nothing.
protected-mode no

SETTINGS
  # The role's memory and persistence (docker-stack.yml argues each service's values).
  # The defaults are the state Redis's: sessions and limiter counters must never be
  # evicted, so a full Redis refuses writes (logins answer 503) rather than dropping
  # them, and they survive a restart (AOF, fsync every second: at most the last second
  # of logins lost; no RDB, whose fork doubles memory at a moment we do not choose).
  printf 'maxmemory %s\nmaxmemory-policy %s\nappendonly %s\nappendfsync everysec\nsave ""\n' \
    "${REDIS_MAXMEMORY:-256mb}" "${REDIS_MAXMEMORY_POLICY:-noeviction}" "${REDIS_APPENDONLY:-yes}"
} >"$conf"

# Arguments are more directives; the stack passes none (tests add an operator user).
exec redis-server "$conf" "$@"
