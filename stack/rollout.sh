#!/usr/bin/env bash
# `make rollout`: build an image of the working tree and roll it out to the web service,
# one replica at a time, start-first, with automatic rollback on failure (all of which
# is the service's update_config in docker-stack.yml). Waits until the update converges.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=stack/swarm/lib.sh
source stack/swarm/lib.sh
stack="${1:-groundwork}"

version="$(image_version)"
image="$(build_image "$version")"
echo "rollout: ${stack}_web -> $image"
docker service update --with-registry-auth --image "$image" "${stack}_web"
echo "rollout: done; GET /version shows $version on every replica. Undo with: make rollback"
