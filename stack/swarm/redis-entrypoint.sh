#!/bin/sh
# Starts Redis in the stack with `requirepass` from the Swarm secret, without the
# password ever appearing on a command line (`ps`, /proc/*/cmdline, `docker inspect`):
# printf is a shell builtin, so the value only travels from the secret file into a
# config file on a tmpfs that only the redis user can read.
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

{
  if [ -f "$extra" ]; then
    # Both passwords open the default user until every web replica has the new one;
    # ACL users may hold several passwords, requirepass only one.
    printf 'user default on >%s >%s ~* &* +@all\n' "$(cat "$secret")" "$(cat "$extra")"
  else
    printf 'requirepass %s\n' "$(cat "$secret")"
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

exec redis-server "$conf"
