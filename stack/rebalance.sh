#!/usr/bin/env bash
# make rebalance: Swarm places a task only when it starts it, so after a node comes back
# (or joins) web's replicas stay where they were, maybe two on one node. This moves them
# one at a time (web scaled up by one, then back) when, and only when, they are not spread.
# `make up` does the same after every deploy.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=stack/swarm/lib.sh
source stack/swarm/lib.sh
stack="${1:-groundwork}"
rebalance "${stack}_web"
docker service ps "${stack}_web" --filter desired-state=running --format '{{.Node}}' | sort | uniq -c |
  awk '{ printf "rebalance: %s runs %d web replica(s)\n", $2, $1 }'
