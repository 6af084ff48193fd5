#!/usr/bin/env bash
# `make rollout`: build an image of the working tree and roll it out to the web service,
# one replica at a time, start-first, with automatic rollback on failure (all of which
# is the service's update_config in docker-stack.yml). Waits until Swarm has finished,
# then reports what Swarm says happened: exit 0 only when the update completed and every
# running web task runs the new image; exit 1 when Swarm rolled it back or paused.
# IMAGE_VERSION overrides the tag (default: git describe of the working tree); IMAGE
# rolls out an image that is already built (and pushed) instead of building one.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=stack/swarm/lib.sh
source stack/swarm/lib.sh
stack="${1:-groundwork}"
service="${stack}_web"

if [[ -n "${IMAGE:-}" ]]; then
  image="$IMAGE" version="$IMAGE"
else
  version="${IMAGE_VERSION:-$(image_version)}"
  image="$(image_ref "$version")"
  build_image "$image" "$version"
fi
previous="$(docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "$service")"
if [[ "${previous%@*}" == "$image" ]]; then
  echo "rollout: $service already runs $image; nothing to do"
  exit 0
fi

echo "rollout: $service $previous -> $image"
# The CLI's own exit status does not say whether Swarm rolled the update back (it can
# exit 0 after a rollback): the outcome is read from UpdateStatus below.
docker service update --detach=false --quiet --with-registry-auth --image "$image" "$service" || true

update_finished() {
  local state
  state="$(docker service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$service")"
  [[ "$state" == completed || "$state" == rollback_completed || "$state" == paused || "$state" == rollback_paused ]]
}
poll "the update of $service finished" "${ROLLOUT_TIMEOUT:-900}" update_finished
state="$(docker service inspect -f '{{.UpdateStatus.State}}' "$service")"
message="$(docker service inspect -f '{{.UpdateStatus.Message}}' "$service")"

if [[ "$state" != completed ]]; then
  echo "rollout: FAILED — Swarm says '$state': $message" >&2
  echo "rollout: $service runs $(docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "$service")" >&2
  echo "rollout: the new tasks' errors: docker service ps --no-trunc $service" >&2
  exit 1
fi
# Confirm rather than assume: every running task's image is the new one.
stale="$(docker service ps "$service" --filter desired-state=running --format '{{.Image}}' | grep -vc "^${image}\(@\|$\)" || true)"
if [[ "$stale" != 0 ]]; then
  echo "rollout: update completed, but $stale running task(s) do not run $image" >&2
  exit 1
fi
echo "rollout: done; every running task of $service runs $image. Undo with: make rollback"
