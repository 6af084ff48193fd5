#!/usr/bin/env bash
# `make local-down`: stop everything `make local` started, found through its pid files,
# even if it only got half-way up. Data and secrets stay in the state dir for next time.
set -euo pipefail
# shellcheck source=stack/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# nginx first, so no new request reaches a replica that is going away (QUIT: graceful).
stop_pid "$RUN/nginx/nginx.pid" nginx QUIT 20

# Every replica drains at the same time, rather than one after another.
for port in $(active_ports); do term_replica "$port"; done
for port in $(active_ports); do reap_replica "$port"; done

stop_pid "$RUN/mongo.pid" 'mongod|ferretdb' TERM 15
stop_pid "$RUN/redis.pid" redis-server TERM 15
log "stopped (state kept in $STATE)"
