#!/usr/bin/env bash
# `make local-rollout`: replace every running replica, one at a time, the way the
# stack's update_config (parallelism 1, order start-first) does in Swarm:
#   1. start a replica of the new build on a free slot, wait until its /readyz is 200
#      (a replica that never gets ready is stopped and the rollout stops: the old
#      replicas keep serving, like failure_action: rollback). nginx already lists the
#      slot and sends it requests once its fail_timeout for the empty slot has passed
#      (at most 5 s), as Swarm's nginx does once DNS lists the new task;
#   2. SIGTERM one old replica. It drains (readyz 503, still serving, `Connection:
#      close` on every response) for LOCAL_DRAIN_DELAY_MS, then closes its port; nginx's
#      connects to the empty slot are refused from then on and go to the next slot;
#   3. wait for it to exit by itself, and go on with the next one.
# nginx is never reloaded: a reload closes idle client keep-alive connections, and a
# client reusing one at that instant gets a reset (see stack/local/lib.sh, "slots").
# LOCAL_VERSION sets the new replicas' APP_VERSION (GET /version), e.g. LOCAL_VERSION=v2.
set -euo pipefail
# shellcheck source=stack/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

nginx_running || die "the twin is not running: make local"
# shellcheck source=/dev/null
source "$RUN/mongo.env"

mapfile -t old < <(active_ports)
((${#old[@]} > 0)) || die "no replica is running: make local"
log "rolling ${#old[@]} replicas: ${old[*]}"

for retiring in "${old[@]}"; do
  fresh="$(free_port)"
  start_replica "$fresh"
  log "retiring replica :$retiring"
  term_replica "$retiring"
  reap_replica "$retiring"
  log "replica :$retiring replaced by :$fresh"
done

log "rollout done: $(active_ports | tr '\n' ' ')"
