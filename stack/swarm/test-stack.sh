#!/usr/bin/env bash
# Keeps `make test` off a stack it did not create. The real-Swarm tests deploy, break
# and finally remove (volumes included) the stack `groundwork`; on a manager that runs
# an operator's `groundwork`, that would be its data. So the tests mark the stack they
# deploy, with a label on this engine's swarm node (which a `docker stack deploy` does
# not reset, and every checkout sees), and refuse an unmarked one:
#
#   stack/swarm/test-stack.sh check STACK    exit 1, saying why, if STACK runs and the
#                                            tests did not create it (E2E_REPLACE_STACK=1:
#                                            take it over anyway)
#   stack/swarm/test-stack.sh mark STACK     after the tests deployed it
#   stack/swarm/test-stack.sh marked STACK   exit 0 if the tests created it
#   stack/swarm/test-stack.sh unmark STACK   once it is removed
set -euo pipefail
shopt -s inherit_errexit
command="${1:?usage: stack/swarm/test-stack.sh check|mark|marked|unmark STACK}"
stack="${2:?usage: stack/swarm/test-stack.sh check|mark|marked|unmark STACK}"
label="org.groundwork.test-stack.$stack"

swarm_active() {
  [[ "$(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" == active ]]
}
node_id() { docker info --format '{{.Swarm.NodeID}}'; }
marked() {
  swarm_active && [[ -n "$(docker node ls -q --filter "node.label=$label=true")" ]]
}
running() {
  swarm_active && docker stack ls --format '{{.Name}}' | grep -x "$stack" >/dev/null
}

case "$command" in
  check)
    if ! running || marked; then exit 0; fi
    if [[ "${E2E_REPLACE_STACK:-}" == 1 ]]; then
      echo "test-stack: E2E_REPLACE_STACK=1: the tests take over stack $stack and remove it at the end"
      exit 0
    fi
    echo "test-stack: a stack named $stack runs on this engine and the tests did not create it;" \
      "they would redeploy it and remove it with its volumes. Remove it (make swarm-down)," \
      "point DOCKER_HOST at another engine, or set E2E_REPLACE_STACK=1 to let them." >&2
    exit 1
    ;;
  mark) docker node update --label-add "$label=true" "$(node_id)" >/dev/null ;;
  marked) marked ;;
  unmark) if marked; then docker node update --label-rm "$label" "$(node_id)" >/dev/null; fi ;;
  *)
    echo "usage: stack/swarm/test-stack.sh check|mark|marked|unmark STACK" >&2
    exit 2
    ;;
esac
