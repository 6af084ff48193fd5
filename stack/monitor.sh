#!/usr/bin/env bash
# make monitor: where an operator reaches Prometheus and Alertmanager, one line each,
# "NAME URL". Neither publishes a port; the URL is the task's address on this node's
# docker_gwbridge, a bridge that exists on this machine only: open it here, or from a
# laptop through `ssh -L 9090:ADDRESS:9090 this-node`. Run it on the node that runs
# them (the data node: both are pinned there, next to their volumes).
set -euo pipefail
shopt -s inherit_errexit
stack="${1:-groundwork}"

# gateway_address CONTAINER: the container's IPv4 address on docker_gwbridge, or nothing.
gateway_address() {
  docker network inspect docker_gwbridge \
    -f '{{range $id, $c := .Containers}}{{$id}} {{$c.IPv4Address}}{{"\n"}}{{end}}' |
    awk -v id="$1" 'index($1, id) == 1 { sub(/\/.*/, "", $2); print $2 }'
}

# where NAME PORT: prints "NAME URL", or says on which node the task runs instead.
where() {
  local name="$1" port="$2" service="${stack}_$1" container address node
  container="$(docker ps -q --no-trunc --filter "label=com.docker.swarm.service.name=$service" \
    --filter status=running | head -1)"
  if [[ -z "$container" ]]; then
    node="$(docker service ps "$service" --filter desired-state=running --format '{{.Node}}' 2>/dev/null | head -1)"
    echo "monitor: $service is not running on this node${node:+ (it runs on $node: run make monitor there)}" >&2
    return 1
  fi
  address="$(gateway_address "$container")"
  if [[ -z "$address" ]]; then
    echo "monitor: $service has no docker_gwbridge address; use docker exec ${container:0:12} wget -qO- http://127.0.0.1:$port/" >&2
    return 1
  fi
  echo "$name http://$address:$port"
}

status=0
where prometheus 9090 || status=1
where alertmanager 9093 || status=1
exit "$status"
