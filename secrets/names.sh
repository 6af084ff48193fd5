# shellcheck shell=bash
# The Swarm secret names the stack uses — names only, never values. A rotation
# (secrets/README.md) creates a new version, e.g. redis_password_v2, and records it
# in names.env (below); up.sh exports these and docker-stack.yml reads them. Inside the containers the
# paths (/run/secrets/redis_password, ...) never change.
#
# secrets/names.env, if present (untracked: .gitignore keeps secrets/* out), records
# rotations on the operator's host, e.g. REDIS_PASSWORD_SECRET=redis_password_v2.
names_env="$(dirname "${BASH_SOURCE[0]}")/names.env"
if [[ -f "$names_env" ]]; then
  # shellcheck source=/dev/null
  source "$names_env"
fi
export MONGO_ROOT_PASSWORD_SECRET="${MONGO_ROOT_PASSWORD_SECRET:-mongo_root_password}"
export MONGO_PASSWORD_SECRET="${MONGO_PASSWORD_SECRET:-mongo_password}"
export REDIS_PASSWORD_SECRET="${REDIS_PASSWORD_SECRET:-redis_password}"
export ADMIN_PASSWORD_SECRET="${ADMIN_PASSWORD_SECRET:-admin_password}"
