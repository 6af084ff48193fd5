#!/usr/bin/env bash
# The real stack on a multi-node Docker Swarm built on this one machine:
#
#   stack/cluster.sh up     make cluster: CLUSTER_NODES (3) node containers, each its own
#                           engine; a swarm of them; the stand-in and app images loaded
#                           into each; the same stack/up.sh as `make swarm` against node 1;
#                           the balancer in front (stack/cluster/lib.sh); a wait until it
#                           converges and every node's nginx answers through it
#   stack/cluster.sh down   make cluster-down: the balancer, the node containers, their
#                           volumes (all their state) and the bridge removed
#
# Managers: 3 of 3 (a swarm of 3 managers keeps its quorum when one is lost; 2 would
# lose it with either), 1 when CLUSTER_NODES < 3, 3 and the rest workers above 3.
# Node 1 holds the data label (up.sh puts it on the node it talks to). The one
# difference from `make swarm`'s stack: overlays without `encrypted` (no IPsec in this
# kernel; see stack/cluster/unencrypted-stack.ts). URLs: .local/cluster/balancer (every
# node) and .local/cluster/endpoints (one per node).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=stack/swarm/lib.sh
source stack/swarm/lib.sh
# shellcheck source=stack/cluster/lib.sh
source stack/cluster/lib.sh
command="${1:?usage: stack/cluster.sh up|down}"
nodes="${CLUSTER_NODES:-3}"
stack=groundwork
started=$SECONDS
mkdir -p .local/cluster

managers=1
if ((nodes >= 3)); then managers=3; fi

answers() { curl -fs -o /dev/null --max-time 3 "http://127.0.0.1:$(node_port "$1")/version"; }

up() {
  local n image
  bash stack/swarm/engine.sh
  bash stack/offline/images.sh
  bash stack/offline/images.sh dind
  # The app image is built by this machine's engine, as `make swarm` builds it, then
  # copied into every node (no registry to pull it from).
  image="$(image_ref "${IMAGE_VERSION:-$(image_version)}")"
  if [[ -n "${IMAGE:-}" ]]; then image="$IMAGE"; else NODE_IMAGE=groundwork-offline/node \
    DOCKER_BUILD_PULL=false build_image "$image" "${image#*:}" >/dev/null; fi

  ensure_network
  for n in $(seq "$nodes"); do ensure_node "$n"; done
  for n in $(seq "$nodes"); do poll "the engine of $(node_name "$n") answers" 60 node_engine_answers "$n"; done
  if [[ "$(node_swarm_state 1)" != active ]]; then
    node_docker 1 swarm init --advertise-addr "$(node_ip 1)" >/dev/null
  fi
  for n in $(seq 2 "$nodes"); do
    if ((n <= managers)); then join_node "$n" manager; else join_node "$n" worker; fi
  done
  for n in $(seq "$nodes"); do poll "$(node_name "$n") Ready in the swarm" 60 node_ready_in_swarm "$n"; done
  remove_down_nodes

  for ref in groundwork-offline/nginx groundwork-offline/redis groundwork-offline/mongo \
    groundwork-offline/monitoring "$image"; do
    copy_image "$ref" $(seq "$nodes")
  done

  start_balancer "$nodes"
  DOCKER_HOST="tcp://$(node_ip 1):2375" STACK_OVERRIDE=stack/offline/docker-stack.offline.yml \
    STACK_UNENCRYPTED=true HTTP_PORT=80 EDGE_PROXY_FROM="$(bridge_gateway)" IMAGE="$image" \
    bash stack/up.sh "$stack"
  DOCKER_HOST="tcp://$(node_ip 1):2375" poll "every service of $stack converged and healthy" \
    "${SWARM_WAIT:-300}" stack_converged "$stack" || {
    DOCKER_HOST="tcp://$(node_ip 1):2375" show_tasks "$stack"
    exit 1
  }
  : >.local/cluster/endpoints
  # Each node's engine by hostname: `make backup` reaches the backup task's node with it.
  for n in $(seq "$nodes"); do echo "$(node_name "$n") tcp://$(node_ip "$n"):2375"; done >.local/cluster/engines
  for n in $(seq "$nodes"); do
    poll "the nginx of $(node_name "$n") answers" 60 answers "$n"
    echo "http://127.0.0.1:$(node_port "$n")" >>.local/cluster/endpoints
  done
  echo "cluster: $nodes nodes ($managers managers), stack $stack converged in $((SECONDS - started)) s;" \
    "node 1 ($(node_ip 1)) holds the data."
  echo "cluster: the balancer (HAProxy, PROXY protocol, .local/cluster/balancer): $(cat .local/cluster/balancer)"
  echo "cluster: one node's nginx through it (.local/cluster/endpoints):"
  cat .local/cluster/endpoints
  echo "cluster: drive it with DOCKER_HOST=tcp://$(node_ip 1):2375 docker ..."
}

down() {
  local containers volumes
  mapfile -t containers < <(docker ps -aq --filter "label=$CLUSTER_LABEL" --filter name=groundwork-node)
  if ((${#containers[@]} > 0)); then docker rm -f "${containers[@]}" >/dev/null; fi
  mapfile -t volumes < <(docker volume ls -q --filter name=groundwork-node | grep -E '^groundwork-node[0-9]+-docker$' || true)
  if ((${#volumes[@]} > 0)); then docker volume rm "${volumes[@]}" >/dev/null; fi
  if docker network inspect "$CLUSTER_NETWORK" >/dev/null 2>&1; then docker network rm "$CLUSTER_NETWORK" >/dev/null; fi
  stop_balancer
  rm -f .local/cluster/endpoints .local/cluster/engines
  echo "cluster-down: removed the balancer, ${#containers[@]} node(s), ${#volumes[@]} volume(s) and the $CLUSTER_NETWORK bridge"
}

case "$command" in
  up) up ;;
  down) down ;;
  *)
    echo "usage: stack/cluster.sh up|down" >&2
    exit 2
    ;;
esac
