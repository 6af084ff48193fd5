# shellcheck shell=bash
# Helpers for `make cluster` (stack/cluster.sh), sourced after stack/swarm/lib.sh.
# A node is a container named and hostnamed groundwork-nodeN running its own Docker
# engine (image groundwork-offline/dind), on the private bridge groundwork-cluster with
# a fixed address and its engine state in the volume groundwork-nodeN-docker. In front
# of the nodes, as in production, a layer-4 balancer (HAProxy on this host, the shipped
# stack/balancer/haproxy.cfg): 127.0.0.1:CLUSTER_PORT_BASE (HTTP) and
# 127.0.0.1:CLUSTER_HTTPS_PORT (HTTPS) to every node, and
# 127.0.0.1:$((CLUSTER_PORT_BASE + N)) to node N only (nginx takes the PROXY protocol
# from the balancer alone, so no port reaches a node around it).
# Fixed addresses: a restarted node keeps the address its swarm peers know it by.

CLUSTER_NETWORK=groundwork-cluster
CLUSTER_SUBNET="${CLUSTER_SUBNET:-172.30.213.0/24}"
CLUSTER_PORT_BASE="${CLUSTER_PORT_BASE:-18080}"
CLUSTER_HTTPS_PORT="${CLUSTER_HTTPS_PORT:-18443}"
CLUSTER_LABEL=org.groundwork.cluster=true

node_name() { echo "groundwork-node$1"; }
node_ip() { echo "${CLUSTER_SUBNET%.*/*}.$((10 + $1))"; }
node_port() { echo "$((CLUSTER_PORT_BASE + $1))"; }
# The host's own address on the bridge: where the balancer's connections come from.
bridge_gateway() { echo "${CLUSTER_SUBNET%.*/*}.1"; }
BALANCER_PID=.local/cluster/haproxy.pid
# node_docker N ARGS...: the docker CLI against node N's engine.
node_docker() {
  local n="$1"
  shift
  DOCKER_HOST="tcp://$(node_ip "$n"):2375" docker "$@"
}

ensure_network() {
  if docker network inspect "$CLUSTER_NETWORK" >/dev/null 2>&1; then return; fi
  docker network create --driver bridge --subnet "$CLUSTER_SUBNET" \
    --label "$CLUSTER_LABEL" "$CLUSTER_NETWORK" >/dev/null
}

# ensure_node N: node N's container exists and runs (started again if it was stopped).
# The flags are what an engine needs inside a container on this machine: every
# capability but SYS_RESOURCE (--privileged fails: the host's bounding set lacks it),
# no seccomp/AppArmor filter and writable /proc and /sys paths (the engine mounts and
# sets sysctls), the host's cgroup tree, a tmpfs /run, and /var/lib/docker on a volume
# (overlay2 cannot sit on the container's own overlay root).
ensure_node() {
  local n="$1" name state
  name="$(node_name "$n")"
  state="$(docker container inspect -f '{{.State.Status}}' "$name" 2>/dev/null || true)"
  case "$state" in
    running) return ;;
    '') ;;
    *)
      docker start "$name" >/dev/null
      return
      ;;
  esac
  docker run -d --name "$name" --hostname "$name" --label "$CLUSTER_LABEL" \
    --network "$CLUSTER_NETWORK" --ip "$(node_ip "$n")" \
    --cap-add ALL --cap-drop SYS_RESOURCE \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --security-opt systempaths=unconfined \
    -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run \
    -v "$name-docker:/var/lib/docker" \
    groundwork-offline/dind >/dev/null
}

node_engine_answers() { node_docker "$1" info >/dev/null 2>&1; }

node_swarm_state() { node_docker "$1" info --format '{{.Swarm.LocalNodeState}}'; }

# node_ready_in_swarm N: node 1's swarm lists node N's hostname as Ready.
node_ready_in_swarm() {
  node_docker 1 node ls --format '{{.Hostname}} {{.Status}}' | grep -qx "$(node_name "$1") Ready"
}

# join_node N ROLE: node N joins node 1's swarm as ROLE (manager or worker). A node
# whose engine remembers some other swarm (node 1 was created again) leaves it first.
join_node() {
  local n="$1" role="$2" token
  if [[ "$(node_swarm_state "$n")" == active ]]; then
    if node_ready_in_swarm "$n"; then return; fi
    node_docker "$n" swarm leave --force >/dev/null
  fi
  token="$(node_docker 1 swarm join-token -q "$role")"
  node_docker "$n" swarm join --token "$token" --advertise-addr "$(node_ip "$n")" \
    "$(node_ip 1):2377" >/dev/null
}

# remove_down_nodes: entries a node left behind when it joined again under a new id.
remove_down_nodes() {
  local id
  for id in $(node_docker 1 node ls -q); do
    if [[ "$(node_docker 1 node inspect -f '{{.Status.State}}' "$id" 2>/dev/null)" == down ]]; then
      node_docker 1 node demote "$id" >/dev/null 2>&1 || true
      node_docker 1 node rm --force "$id" >/dev/null 2>&1 || true
    fi
  done
}

# copy_image IMAGE N...: the image loaded into each node whose engine lacks that exact
# image id (docker load keeps ids), through one `docker save` archive.
copy_image() {
  local image="$1" id n archive="" needy=()
  shift
  id="$(docker image inspect -f '{{.Id}}' "$image")"
  for n in "$@"; do
    if [[ "$(node_docker "$n" image inspect -f '{{.Id}}' "$image" 2>/dev/null)" != "$id" ]]; then
      needy+=("$n")
    fi
  done
  ((${#needy[@]} > 0)) || return 0
  echo "cluster: loading $image into node(s) ${needy[*]}"
  archive="$(mktemp -p .local/cluster image.XXXXXX.tar)"
  docker save -o "$archive" "$image"
  # Every node loads at once; each wait reports its own load's failure.
  local pids=() pid
  for n in "${needy[@]}"; do
    node_docker "$n" load -q -i "$archive" >/dev/null &
    pids+=("$!")
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  rm -f "$archive"
}

# start_balancer N: HAProxy in front of nodes 1..N (started, or reloaded with a new
# configuration: its old process hands over and finishes its connections).
start_balancer() {
  local addrs=() n old=()
  for n in $(seq "$1"); do addrs+=("$(node_ip "$n")"); done
  BALANCER_HTTP="127.0.0.1:$CLUSTER_PORT_BASE" BALANCER_HTTPS="127.0.0.1:$CLUSTER_HTTPS_PORT" \
    BALANCER_NODE_PORTS="127.0.0.1:$(node_port 1)" bash stack/balancer/render.sh "${addrs[@]}" \
    >.local/cluster/haproxy.cfg
  if balancer_running; then old=(-sf "$(cat "$BALANCER_PID")"); fi
  haproxy -D -q -p "$BALANCER_PID" -f .local/cluster/haproxy.cfg "${old[@]}"
  echo "http://127.0.0.1:$CLUSTER_PORT_BASE" >.local/cluster/balancer
}

balancer_running() { [[ -f "$BALANCER_PID" ]] && kill -0 "$(cat "$BALANCER_PID")" 2>/dev/null; }

stop_balancer() {
  if balancer_running; then kill "$(cat "$BALANCER_PID")"; fi
  rm -f "$BALANCER_PID" .local/cluster/haproxy.cfg .local/cluster/balancer
}
