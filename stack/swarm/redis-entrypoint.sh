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

# Redis holds the read cache, the shared rate-limit counters and login sessions.
# 256 MB, half the container's memory limit: the rest covers the fork of an AOF rewrite
# and client buffers, so the kernel never OOM-kills Redis.
maxmemory 256mb
# allkeys-lru: under memory pressure the least recently used key goes, whatever it is.
# Every key the app writes has a TTL anyway; evicting a cache entry costs one MongoDB
# read, evicting a rate-limit counter briefly loosens a limit, evicting a session signs
# one idle user out. All fail safe: logout deletes a session, so nothing revoked returns.
maxmemory-policy allkeys-lru

# Persistence: AOF, fsync every second, no RDB snapshots. Sessions live only here, so a
# Redis restart (node reboot, image update) without persistence would sign every user
# out; with AOF at most the last second of logins is lost. RDB is off because its fork
# doubles memory at a moment we do not choose; the cache part needs no durability.
appendonly yes
appendfsync everysec
save ""
SETTINGS
} >"$conf"

exec redis-server "$conf"
