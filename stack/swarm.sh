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
# file, the local Node base image, no --pull, and the published ports SWARM_HTTP_PORT
# and SWARM_HTTPS_PORT.
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
export HTTP_PORT="${SWARM_HTTP_PORT:-80}" HTTPS_PORT="${SWARM_HTTPS_PORT:-443}"
# The engine's only address that is sure to exist; a multi-host swarm would name its own.
export SWARM_ADVERTISE_ADDR="${SWARM_ADVERTISE_ADDR:-127.0.0.1}"
url="http://127.0.0.1:$HTTP_PORT" https_url="https://127.0.0.1:$HTTPS_PORT"

# -k: the certificate may be make secrets' self-signed one. In HTTPS-only mode plain
# HTTP answers 308, which curl -f counts as an answer too. Behind a balancer
# (EDGE_PROXY_FROM) nginx wants a PROXY protocol header first: curl sends one.
answers() {
  local proxy
  for proxy in "" --haproxy-protocol; do
    if curl -fsS $proxy -o /dev/null --max-time 3 "$url/version" 2>/dev/null &&
      curl -fksS $proxy -o /dev/null --max-time 3 "$https_url/version" 2>/dev/null; then
      return 0
    fi
  done
  return 1
}

case "$command" in
  up)
    bash stack/swarm/engine.sh
    bash stack/offline/images.sh
    # up.sh waits until every service has converged and is healthy.
    UP_WAIT="${SWARM_WAIT:-300}" bash stack/up.sh "$stack"
    poll "nginx answers $url/version and $https_url/version" 60 answers
    echo "swarm: stack $stack converged in $((SECONDS - started)) s; nginx: $url $https_url"
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
