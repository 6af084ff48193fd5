#!/usr/bin/env bash
# `make up`: deploy groundwork to Docker Swarm from nothing, or redeploy it.
#   swarm init if needed -> data-node label -> missing secrets -> image -> stack deploy
# Safe to run again: each step keeps what exists, and the deploy is a rolling update.
# IMAGE_VERSION overrides the image tag (default: git describe of the working tree);
# IMAGE deploys an image that is built already, skipping the build.
# `make swarm` runs this same script with the offline settings (stack/swarm.sh).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=stack/swarm/lib.sh
source stack/swarm/lib.sh
# shellcheck source=secrets/names.sh
source secrets/names.sh
stack="${1:-groundwork}"

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

# TLS pair and edge settings: what the environment says, else what the running nginx
# was deployed with (make tls rotates the pair; labels keep the settings), else defaults.
nginx_service="${stack}_nginx"
TLS_CERT_SECRET="${TLS_CERT_SECRET:-$(current_secret "$nginx_service" tls_cert)}"
TLS_KEY_SECRET="${TLS_KEY_SECRET:-$(current_secret "$nginx_service" tls_key)}"
export TLS_CERT_SECRET="${TLS_CERT_SECRET:-tls_cert}" TLS_KEY_SECRET="${TLS_KEY_SECRET:-tls_key}"
if [[ -z "${EDGE_HTTPS_ONLY+set}" ]]; then EDGE_HTTPS_ONLY="$(service_label "$nginx_service" org.groundwork.edge.https-only)"; fi
if [[ -z "${EDGE_PROXY_FROM+set}" ]]; then EDGE_PROXY_FROM="$(service_label "$nginx_service" org.groundwork.edge.proxy-from)"; fi
export EDGE_HTTPS_ONLY="${EDGE_HTTPS_ONLY:-false}" EDGE_PROXY_FROM

bash secrets/create.sh

if [[ -n "${IMAGE:-}" ]]; then
  # An image built (and pushed, or loaded on every node) already, as rollout.sh takes it.
  image="$IMAGE"
else
  version="${IMAGE_VERSION:-$(image_version)}"
  image="$(image_ref "$version")"
  build_image "$image" "$version"
fi
export GROUNDWORK_IMAGE="$image"

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
echo "up: edge settings EDGE_HTTPS_ONLY=$EDGE_HTTPS_ONLY EDGE_PROXY_FROM='$EDGE_PROXY_FROM'; TLS pair $TLS_CERT_SECRET"
export_config_digests
stack_file_args

docker stack deploy --with-registry-auth "${STACK_FILE_ARGS[@]}" "$stack"
echo "up: deployed $GROUNDWORK_IMAGE as stack $stack — watch it with: docker stack ps $stack"
