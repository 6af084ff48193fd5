# shellcheck shell=bash
# Helpers shared by stack/up.sh and stack/rollout.sh (sourced, not run).

# The image tag of the working tree: git describe, so /version names what is deployed.
# A dirty tree gets a -dirty suffix and a timestamp, so two dirty builds never share a tag.
image_version() {
  local version
  version="$(git describe --tags --always --dirty)"
  if [[ "$version" == *-dirty ]]; then version="$version-$(date -u +%Y%m%d%H%M%S)"; fi
  echo "$version"
}

# build_image VERSION: builds (and, with REGISTRY set, pushes) the app image and prints
# its reference. A multi-node swarm needs REGISTRY: other nodes cannot see a local image.
build_image() {
  local version="$1" image="${REGISTRY:+$REGISTRY/}groundwork:$1"
  docker build --pull \
    --build-arg "APP_VERSION=$version" \
    --build-arg "APP_COMMIT=$(git rev-parse HEAD)" \
    -t "$image" . >&2
  if [[ -n "${REGISTRY:-}" ]]; then docker push "$image" >&2; fi
  echo "$image"
}

# Swarm configs are immutable: name each after a hash of its content (docker-stack.yml).
export_config_digests() {
  NGINX_CONF_DIGEST="$(sha256sum nginx/nginx.stack.conf | cut -c1-12)"
  MONGO_INIT_DIGEST="$(sha256sum stack/swarm/mongo-create-app-user.js | cut -c1-12)"
  REDIS_ENTRYPOINT_DIGEST="$(sha256sum stack/swarm/redis-entrypoint.sh | cut -c1-12)"
  export NGINX_CONF_DIGEST MONGO_INIT_DIGEST REDIS_ENTRYPOINT_DIGEST
}
