#!/usr/bin/env bash
# The real stack on a real single-node Docker Swarm, on a machine that cannot reach an
# image registry (these machines):
#
#   stack/swarm.sh up [STACK]        make swarm: engine, stand-in images, then the same
#                                    stack/up.sh as `make up` (which waits until every
#                                    service is converged and healthy); prints nginx's URL
#   stack/swarm.sh rollout [STACK]   make swarm-rollout: the same stack/rollout.sh as `make rollout`
#   stack/swarm.sh down [STACK]      make swarm-down: stack, volumes, secrets and configs removed
#
# What differs from `make up` is only the environment set here: the offline override
# file, the local Node base image, no --pull, and the published port SWARM_HTTP_PORT.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=stack/swarm/lib.sh
source stack/swarm/lib.sh
command="${1:?usage: stack/swarm.sh up|rollout|down [STACK]}"
stack="${2:-groundwork}"
started=$SECONDS

export STACK_OVERRIDE=stack/offline/docker-stack.offline.yml
export NODE_IMAGE=groundwork-offline/node DOCKER_BUILD_PULL=false
export HTTP_PORT="${SWARM_HTTP_PORT:-80}"
# The engine's only address that is sure to exist; a multi-host swarm would name its own.
export SWARM_ADVERTISE_ADDR="${SWARM_ADVERTISE_ADDR:-127.0.0.1}"
url="http://127.0.0.1:$HTTP_PORT"

answers() { curl -fsS -o /dev/null --max-time 3 "$url/version"; }

case "$command" in
  up)
    bash stack/swarm/engine.sh
    bash stack/offline/images.sh
    # up.sh waits until every service has converged and is healthy.
    UP_WAIT="${SWARM_WAIT:-300}" bash stack/up.sh "$stack"
    poll "nginx answers $url/version" 60 answers
    echo "swarm: stack $stack converged in $((SECONDS - started)) s; nginx: $url"
    ;;
  rollout)
    bash stack/rollout.sh "$stack"
    ;;
  down)
    bash stack/swarm/down.sh "$stack"
    ;;
  *)
    echo "usage: stack/swarm.sh up|rollout|down [STACK]" >&2
    exit 2
    ;;
esac
