#!/usr/bin/env bash
# `make up`: deploy groundwork to Docker Swarm from nothing, or redeploy it.
#   swarm init if needed -> data-node label -> missing secrets -> image -> stack deploy
#   -> wait until every service has converged -> report what changed
# Safe to run again, and it undoes nothing an operator did since: on a running stack web
# keeps the image it runs (after `make rollout` or `make rollback`) and its replica count
# (after `make scale`) unless told otherwise — IMAGE deploys an image that is built
# already, IMAGE_VERSION builds the working tree under that tag, N sets the replicas. A
# first deploy builds the working tree (tag: git describe) and runs 3 replicas. Secret
# names are the ones the swarm records (secrets/names.sh), whichever checkout runs this.
# `make swarm` runs this same script with the offline settings (stack/swarm.sh).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=stack/swarm/lib.sh
source stack/swarm/lib.sh
# shellcheck source=stack/swarm/deploy-state.sh
source stack/swarm/deploy-state.sh
stack="${1:-groundwork}"
web="${stack}_web"

if [[ -n "${N:-}" && ! "$N" =~ ^[1-9][0-9]*$ ]]; then
  echo "up: N must be a replica count of 1 or more, not '$N'" >&2
  exit 2
fi
if [[ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != active ]]; then
  # SWARM_ADVERTISE_ADDR picks the address on a host with several interfaces.
  docker swarm init ${SWARM_ADVERTISE_ADDR:+--advertise-addr "$SWARM_ADVERTISE_ADDR"} >/dev/null
  echo "up: swarm initialised"
fi

# MongoDB and Redis keep their data in node-local volumes and are pinned to the node
# labelled groundwork.data=true; label this node if no node has it yet.
if [[ -z "$(docker node ls -q --filter node.label=groundwork.data=true)" ]]; then
  docker node update --label-add groundwork.data=true "$(docker info --format '{{.Swarm.NodeID}}')" >/dev/null
  echo "up: this node holds the data volumes (label groundwork.data=true)"
fi

# The backup archives live on another node than the data (service backup, label
# groundwork.backup=true): the first Ready node without the data label, else (one node)
# the data node itself, which `make backup` then warns about.
if [[ -z "$(docker node ls -q --filter node.label=groundwork.backup=true)" ]]; then
  data_nodes=" $(docker node ls -q --filter node.label=groundwork.data=true | tr '\n' ' ')"
  backup_node=""
  for id in $(docker node ls -q); do
    if [[ "$data_nodes" != *" $id "* && "$(docker node inspect -f '{{.Status.State}}' "$id")" == ready ]]; then
      backup_node="$id"
      break
    fi
  done
  if [[ -z "$backup_node" ]]; then
    backup_node="$(docker node ls -q --filter node.label=groundwork.data=true | head -1)"
    echo "up: one node only: the backups live on the data node too (copy them off it; stack/README.md, \"Backups and restore\")"
  fi
  docker node update --label-add groundwork.backup=true "$backup_node" >/dev/null
  echo "up: node $(docker node inspect -f '{{.Description.Hostname}}' "$backup_node") keeps the backups (label groundwork.backup=true)"
fi

# Backup schedule: the environment, else what the running backup service has, else defaults.
for setting in BACKUP_INTERVAL BACKUP_KEEP EDGE_DRAIN_SECONDS; do
  if [[ -z "${!setting:-}" ]]; then
    service=backup
    if [[ "$setting" == EDGE_* ]]; then service=nginx; fi
    value="$(service_env "${stack}_$service" "$setting")"
    if [[ -n "$value" ]]; then export "$setting=$value"; fi
  fi
  if [[ -n "${!setting:-}" && ! "${!setting}" =~ ^[1-9][0-9]*$ ]]; then
    echo "up: $setting must be a whole number of 1 or more, not '${!setting}'" >&2
    exit 2
  fi
done

# shellcheck source=secrets/names.sh
source secrets/names.sh

# TLS pair and edge settings: what the environment says, else what the running nginx
# was deployed with (make tls rotates the pair; labels keep the settings), else defaults.
nginx_service="${stack}_nginx"
TLS_CERT_SECRET="${TLS_CERT_SECRET:-$(current_secret "$nginx_service" tls_cert)}"
TLS_KEY_SECRET="${TLS_KEY_SECRET:-$(current_secret "$nginx_service" tls_key)}"
export TLS_CERT_SECRET="${TLS_CERT_SECRET:-tls_cert}" TLS_KEY_SECRET="${TLS_KEY_SECRET:-tls_key}"
if [[ -z "${EDGE_HTTPS_ONLY+set}" ]]; then EDGE_HTTPS_ONLY="$(service_label "$nginx_service" org.groundwork.edge.https-only)"; fi
if [[ -z "${EDGE_PROXY_FROM+set}" ]]; then EDGE_PROXY_FROM="$(service_label "$nginx_service" org.groundwork.edge.proxy-from)"; fi
export EDGE_HTTPS_ONLY="${EDGE_HTTPS_ONLY:-false}" EDGE_PROXY_FROM

# The alert receiver: the environment (set and empty: none), else the one the running
# Alertmanager was deployed with, read back from its Swarm config.
if [[ -z "${ALERT_WEBHOOK_URL+set}" ]]; then
  ALERT_WEBHOOK_URL="$(deployed_webhook_url "${stack}_alertmanager")"
fi
export ALERT_WEBHOOK_URL

bash secrets/create.sh

# A node still joining or booting would get no task now and stay empty afterwards.
poll "every node of the swarm Ready" "${NODES_WAIT:-60}" nodes_ready ||
  echo "up: WARNING: not every node is Ready (docker node ls); deploying anyway"

before="$(stack_state "$stack")"
running_image="" running_replicas=""
if docker service inspect "$web" >/dev/null 2>&1; then
  running_image="$(docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "$web")"
  running_replicas="$(docker service inspect -f '{{if .Spec.Mode.Replicated}}{{.Spec.Mode.Replicated.Replicas}}{{end}}' "$web")"
fi
if [[ -n "${IMAGE:-}" ]]; then
  # An image built (and pushed, or loaded on every node) already, as rollout.sh takes it.
  image="$IMAGE"
elif [[ -n "$running_image" && -z "${IMAGE_VERSION:-}" ]]; then
  image="$running_image"
else
  version="${IMAGE_VERSION:-$(image_version)}"
  image="$(image_ref "$version")"
  build_image "$image" "$version"
fi
export GROUNDWORK_IMAGE="$image"
replicas="${N:-$running_replicas}"
if [[ -n "$replicas" ]]; then export WEB_REPLICAS="$replicas"; fi

# The committed stack rendering is the default settings' (check-static.sh keeps it
# current); other settings render into .local/, which the stack file then reads.
if [[ "$EDGE_HTTPS_ONLY" == false && -z "$EDGE_PROXY_FROM" && "${HTTPS_PORT:-443}" == 443 ]]; then
  unset NGINX_CONF_FILE
  bash nginx/render.sh stack nginx/nginx.stack.conf
else
  mkdir -p .local
  export NGINX_CONF_FILE=.local/nginx.stack.conf
  bash nginx/render.sh stack "$NGINX_CONF_FILE"
fi
echo "up: backups every ${BACKUP_INTERVAL:-3600} s, the newest ${BACKUP_KEEP:-48} kept"
echo "up: edge settings EDGE_HTTPS_ONLY=$EDGE_HTTPS_ONLY EDGE_PROXY_FROM='$EDGE_PROXY_FROM'; TLS pair $TLS_CERT_SECRET"
export_config_digests
stack_file_args

docker stack deploy --with-registry-auth "${STACK_FILE_ARGS[@]}" "$stack" >/dev/null
wait_for_deploy "$stack" "$before" "${UP_WAIT:-300}"
report_changes "$before" "$(stack_state "$stack")"
rebalance "$web"
echo "up: stack $stack converged; web runs $GROUNDWORK_IMAGE × ${replicas:-3}"
