# shellcheck shell=bash
# Helpers shared by the Swarm scripts (sourced, not run): stack/up.sh, stack/rollout.sh,
# stack/swarm.sh and stack/swarm-down.sh. Callers run with `set -euo pipefail` and
# `shopt -s inherit_errexit`. No helper does its work inside a command substitution:
# a failure there would not stop the caller (issue 7: `make up` once deployed an image
# that had never been built).

# The image tag of the working tree: git describe, so /version names what is deployed.
# A dirty tree gets a -dirty suffix and a hash of what goes into the image, so two
# different dirty builds never share a tag, and an unchanged one redeploys nothing.
image_version() {
  local version inputs
  version="$(git describe --tags --always --dirty)"
  if [[ "$version" == *-dirty ]]; then
    inputs="$(git ls-files -co --exclude-standard -- app package.json package-lock.json \
      Dockerfile tsconfig.json tsconfig.build.json | sort |
      while read -r file; do if [[ -f "$file" ]]; then sha256sum "$file"; fi; done |
      sha256sum | cut -c1-8)"
    version="$version-$inputs"
  fi
  echo "$version"
}

# image_ref VERSION: the reference the app image is built and deployed as. A multi-node
# swarm needs REGISTRY: other nodes cannot see an image that exists on one node only.
image_ref() {
  echo "${REGISTRY:+$REGISTRY/}groundwork:$1"
}

# build_image IMAGE VERSION: builds the app image (and pushes it, with REGISTRY set).
# On an engine without a registry, NODE_IMAGE names a local base (stack/offline) and
# DOCKER_BUILD_PULL=false, since --pull would ask a registry for it.
build_image() {
  local image="$1" version="$2" args=()
  if [[ "${DOCKER_BUILD_PULL:-true}" == true ]]; then args+=(--pull); fi
  if [[ -n "${NODE_IMAGE:-}" ]]; then args+=(--build-arg "NODE_IMAGE=$NODE_IMAGE"); fi
  docker build "${args[@]}" \
    --build-arg "APP_VERSION=$version" \
    --build-arg "APP_COMMIT=$(git rev-parse HEAD)" \
    -t "$image" .
  if [[ -n "${REGISTRY:-}" ]]; then docker push "$image"; fi
}

# Swarm configs are immutable: name each after a hash of its content (docker-stack.yml).
# The monitoring configs are rendered first (ALERT_WEBHOOK_URL, MONITOR_* knobs) into
# MONITORING_DIR, which the stack file reads.
export_config_digests() {
  MONITORING_DIR=.local/monitoring
  bash stack/monitoring/render.sh "$MONITORING_DIR"
  NGINX_CONF_DIGEST="$(sha256sum "${NGINX_CONF_FILE:-nginx/nginx.stack.conf}" | cut -c1-12)"
  NGINX_ENTRYPOINT_DIGEST="$(sha256sum stack/swarm/nginx-entrypoint.sh | cut -c1-12)"
  MONGO_INIT_DIGEST="$(sha256sum stack/swarm/mongo-create-app-user.js | cut -c1-12)"
  REDIS_ENTRYPOINT_DIGEST="$(sha256sum stack/swarm/redis-entrypoint.sh | cut -c1-12)"
  PROMETHEUS_ENTRYPOINT_DIGEST="$(sha256sum stack/swarm/prometheus-entrypoint.sh | cut -c1-12)"
  PROMETHEUS_CONF_DIGEST="$(sha256sum "$MONITORING_DIR/prometheus.yml" | cut -c1-12)"
  PROMETHEUS_RULES_DIGEST="$(sha256sum "$MONITORING_DIR/rules.yml" | cut -c1-12)"
  ALERTMANAGER_CONF_DIGEST="$(sha256sum "$MONITORING_DIR/alertmanager.yml" | cut -c1-12)"
  export NGINX_CONF_DIGEST NGINX_ENTRYPOINT_DIGEST MONGO_INIT_DIGEST REDIS_ENTRYPOINT_DIGEST MONITORING_DIR \
    PROMETHEUS_ENTRYPOINT_DIGEST PROMETHEUS_CONF_DIGEST PROMETHEUS_RULES_DIGEST ALERTMANAGER_CONF_DIGEST
}

# The stack files to deploy: docker-stack.yml, then STACK_OVERRIDE if set (make swarm
# sets it to the offline override), as `-c FILE` arguments in STACK_FILE_ARGS.
# STACK_UNENCRYPTED=true (make cluster only) deploys instead the merged, interpolated
# stack with the overlays' `encrypted` option removed: the cluster's nodes share a
# kernel without IPsec (xfrm), and a second stack file cannot delete a key
# (stack/cluster/unencrypted-stack.ts says more). The file is .local/stack.rendered.yml.
stack_file_args() {
  STACK_FILE_ARGS=(-c docker-stack.yml)
  if [[ -n "${STACK_OVERRIDE:-}" ]]; then STACK_FILE_ARGS+=(-c "$STACK_OVERRIDE"); fi
  if [[ "${STACK_UNENCRYPTED:-}" == true ]]; then
    mkdir -p .local
    docker stack config "${STACK_FILE_ARGS[@]}" >.local/stack.merged.yml
    node --import tsx stack/cluster/unencrypted-stack.ts <.local/stack.merged.yml >.local/stack.rendered.yml
    STACK_FILE_ARGS=(-c .local/stack.rendered.yml)
  fi
}

# poll DESCRIPTION SECONDS COMMAND...: runs COMMAND every 2 s until it succeeds; after
# SECONDS, says what never became true and fails.
poll() {
  local what="$1" seconds="$2" deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      echo "timed out after ${seconds}s: $what never became true" >&2
      return 1
    fi
    sleep 2
  done
}

# service_converged SERVICE: every desired task running (in Swarm a task with a
# healthcheck is "running" only once healthy) and no update or rollback in progress.
service_converged() {
  local service="$1" replicas state
  replicas="$(docker service ls --filter "name=$service" --format '{{.Name}} {{.Replicas}}' |
    awk -v s="$service" '$1 == s { print $2 }')"
  [[ "$replicas" =~ ^([0-9]+)/([0-9]+) ]] || return 1
  [[ "${BASH_REMATCH[1]}" == "${BASH_REMATCH[2]}" && "${BASH_REMATCH[2]}" != 0 ]] || return 1
  state="$(docker service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$service")"
  [[ "$state" != updating && "$state" != rollback_started && "$state" != paused && "$state" != rollback_paused ]]
}

# stack_converged STACK: every service of the stack converged.
stack_converged() {
  local service services
  services="$(docker stack services "$1" --format '{{.Name}}')"
  [[ -n "$services" ]] || return 1
  for service in $services; do service_converged "$service" || return 1; done
}

# show_tasks STACK: what an operator needs to see when a wait failed.
show_tasks() {
  docker stack ps "$1" --no-trunc --format '{{.Name}} {{.Image}} {{.CurrentState}} {{.Error}}' | head -30 >&2
}

# current_secret SERVICE TARGET: the name of the Swarm secret SERVICE mounts at
# /run/secrets/TARGET, or nothing if the service or the mount does not exist. The
# running service is the record of rotations made by make tls.
current_secret() {
  docker service inspect "$1" --format \
    "{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{if eq .File.Name \"$2\"}}{{.SecretName}}{{end}}{{end}}" \
    2>/dev/null || true
}

# service_label SERVICE LABEL: the label's value on SERVICE, or nothing.
service_label() {
  docker service inspect "$1" --format "{{index .Spec.Labels \"$2\"}}" 2>/dev/null || true
}

# service_env SERVICE NAME: the value SERVICE's spec gives the variable NAME, or nothing.
service_env() {
  docker service inspect "$1" --format '{{range .Spec.TaskTemplate.ContainerSpec.Env}}{{println .}}{{end}}' \
    2>/dev/null | sed -n "s/^$2=//p" || true
}

# deployed_webhook_url SERVICE: the webhook URL in the Alertmanager config SERVICE runs
# (stack/monitoring/render.sh wrote it), or nothing.
deployed_webhook_url() {
  local config
  config="$(docker service inspect "$1" --format \
    '{{range .Spec.TaskTemplate.ContainerSpec.Configs}}{{if eq .File.Name "/etc/alertmanager/alertmanager.yml"}}{{.ConfigName}}{{end}}{{end}}' \
    2>/dev/null || true)"
  [[ -n "$config" ]] || return 0
  docker config inspect "$config" --format '{{json .Spec.Data}}' 2>/dev/null | tr -d '"' | base64 -d |
    sed -n 's/^ *- url: "\(.*\)"$/\1/p' | head -1 || true
}

# nodes_ready: every node of the swarm that is not drained is Ready.
nodes_ready() {
  ! docker node ls --format '{{.Status}} {{.Availability}}' | grep -v '^Ready ' | grep -qv ' Drain$'
}

# service_spread SERVICE: no node runs more of SERVICE's replicas than an even spread over
# the active, Ready nodes would put there. Swarm places a task only when it starts it, so
# a node that was away (or joined late) stays empty until something replaces tasks.
service_spread() {
  local nodes replicas most
  nodes="$(docker node ls --format '{{.Status}} {{.Availability}}' | grep -c '^Ready Active$' || true)"
  replicas="$(docker service ps "$1" --filter desired-state=running --format '{{.Node}}' | grep -c . || true)"
  most="$(docker service ps "$1" --filter desired-state=running --format '{{.Node}}' | sort | uniq -c |
    awk 'BEGIN { m = 0 } $1 > m { m = $1 } END { print m }')"
  ((nodes > 0)) || return 0
  ((most <= (replicas + nodes - 1) / nodes))
}

# rebalance SERVICE: moves one task at a time from the most loaded node to the least, until
# SERVICE is spread. One more replica is placed by the scheduler on the least loaded node;
# scaling back removes a task from the node with the most copies (swarmkit's scale-down
# rule), which drains as in a rollout. A forced update cannot do it: start-first places each
# new task while the old one runs, so ties put two on one node again.
rebalance() {
  local move replicas
  replicas="$(docker service inspect "$1" --format '{{.Spec.Mode.Replicated.Replicas}}')"
  for ((move = 1; move <= replicas; move++)); do
    if service_spread "$1"; then return 0; fi
    echo "rebalance: $1 is not spread over the nodes; moving one replica (move $move)"
    docker service scale --detach=false "$1=$((replicas + 1))" >/dev/null
    docker service scale --detach=false "$1=$replicas" >/dev/null
  done
  service_spread "$1" || echo "rebalance: WARNING: $1 is still not spread (docker service ps $1)" >&2
}
