#!/usr/bin/env bash
# `make logs-since SERVICE=web SINCE=10m`: what one service logged, from every task the
# swarm remembers (replaced ones too), merged in time order, and then it ENDS.
#
# Why not `docker service logs groundwork_web --since 10m`: without -f it may never
# return once tasks have been replaced (docker/cli#4678, moby#38640), so a recipe like
# `... | grep <request id>` hangs. Reading each task's logs on its own ends at once.
#   stack/logs.sh [STACK] SERVICE [SINCE]     e.g. stack/logs.sh groundwork web 10m
set -euo pipefail
shopt -s inherit_errexit
stack="${1:-groundwork}" service="${2:-web}" since="${3:-10m}"

mapfile -t tasks < <(docker service ps -q --no-trunc "${stack}_${service}")
for task in "${tasks[@]}"; do
  # A bound per task, in case a node that held it is gone for good.
  timeout 30 docker service logs --raw --timestamps --since "$since" "$task" 2>&1 || true
done | sort -s -k1,1 | cut -d' ' -f2-
