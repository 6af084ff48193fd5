#!/usr/bin/env bash
# `make swarm-down`: removes the stack and everything it made on this engine: its
# services, its volumes (the data!), its configs, and the Swarm secrets `make secrets`
# created. Kept: images (so the next `make swarm` is fast) and the engine's swarm mode.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=stack/swarm/lib.sh
source stack/swarm/lib.sh
stack="${1:-groundwork}"

if ! docker info >/dev/null 2>&1; then
  echo "swarm-down: no Docker engine answers; nothing to remove"
  exit 0
fi
if [[ -n "$(docker stack ls --format '{{.Name}}' 2>/dev/null | grep -x "$stack" || true)" ]]; then
  docker stack rm "$stack" >/dev/null
fi
no_containers() { [[ -z "$(docker ps -aq --filter "label=com.docker.stack.namespace=$stack")" ]]; }
# Tasks stop within their stop_grace_period (web 40 s, mongo 60 s).
poll "every container of $stack gone" 120 no_containers
no_networks() { [[ -z "$(docker network ls -q --filter "label=com.docker.stack.namespace=$stack")" ]]; }
poll "the networks of $stack gone" 60 no_networks
mapfile -t volumes < <(docker volume ls -q --filter "label=com.docker.stack.namespace=$stack")
if ((${#volumes[@]} > 0)); then docker volume rm "${volumes[@]}" >/dev/null; fi
mapfile -t configs < <(docker config ls -q --filter "label=com.docker.stack.namespace=$stack" 2>/dev/null)
if ((${#configs[@]} > 0)); then docker config rm "${configs[@]}" >/dev/null; fi
mapfile -t secrets < <(docker secret ls -q --filter label=org.groundwork.secret=true 2>/dev/null)
if ((${#secrets[@]} > 0)); then docker secret rm "${secrets[@]}" >/dev/null; fi
echo "swarm-down: $stack removed (services, ${#volumes[@]} volumes, configs, ${#secrets[@]} secrets)"
