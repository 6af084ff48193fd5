#!/usr/bin/env bash
# `make local-rollout`: replace every running replica, one at a time, the way the
# stack's update_config (parallelism 1, order start-first) does in Swarm:
#   1. start a replica of the new build on a free port, wait until its /readyz is 200
#      (a replica that never gets ready is stopped and the rollout stops: the old
#      replicas keep serving, like failure_action: rollback);
#   2. add it to nginx's upstream and reload nginx;
#   3. SIGTERM one old replica. It drains (readyz 503, still serving) while nginx still
#      sends it requests for LOCAL_DISCOVERY_LAG_S, as Swarm's nginx does until its DNS
#      re-resolution drops the task;
#   4. take it out of the upstream and reload — before its drain delay ends, so nginx
#      never reuses an idle connection the replica is about to close — then wait for it
#      to exit by itself.
# LOCAL_VERSION sets the new replicas' APP_VERSION (GET /version), e.g. LOCAL_VERSION=v2.
set -euo pipefail
# shellcheck source=stack/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOCAL_DISCOVERY_LAG_S="${LOCAL_DISCOVERY_LAG_S:-2}"

nginx_running || die "the twin is not running: make local"
# shellcheck source=/dev/null
source "$RUN/mongo.env"
if ((LOCAL_DISCOVERY_LAG_S * 1000 >= LOCAL_DRAIN_DELAY_MS)); then
  die "LOCAL_DISCOVERY_LAG_S must stay below the drain delay (${LOCAL_DRAIN_DELAY_MS} ms)"
fi

mapfile -t old < <(active_ports)
((${#old[@]} > 0)) || die "no replica is running: make local"
log "rolling ${#old[@]} replicas: ${old[*]}"

for retiring in "${old[@]}"; do
  fresh="$(free_port)"
  start_replica "$fresh"
  mapfile -t serving < <(active_ports)
  point_nginx_at "${serving[@]}"

  log "retiring replica :$retiring"
  term_replica "$retiring"
  sleep "$LOCAL_DISCOVERY_LAG_S"
  mapfile -t serving < <(active_ports | grep -vx "$retiring")
  point_nginx_at "${serving[@]}"
  reap_replica "$retiring"
  log "replica :$retiring replaced by :$fresh"
done

log "rollout done: $(active_ports | tr '\n' ' ')"
