# shellcheck shell=bash
# The Swarm secret names the stack uses — names only, never values — read from the swarm
# itself, so every operator and every checkout deploys the same ones. Each secret that
# secrets/create.sh or secrets/rotate.sh makes carries two labels: its role (the stack's
# name for it, e.g. org.groundwork.secret.role=mongo_password) and its version (1 for the
# first, 2 for mongo_password_v2, ...). The name in use is the highest version of each
# role; a role with no labelled secret yet uses its own name (a first deploy, or secrets
# from before the labels). Exports MONGO_PASSWORD_SECRET etc., which docker-stack.yml
# reads. Sourced after `docker swarm init` by stack/up.sh, secrets/create.sh and rotate.sh.

SECRET_ROLES=(mongo_root_password mongo_password redis_password cache_redis_password admin_password device_key)

# secret_newest ROLE: "VERSION NAME" of the role's highest labelled version ("1 ROLE" if none).
secret_newest() {
  local newest
  newest="$(docker secret ls --filter "label=org.groundwork.secret.role=$1" \
    --format '{{.Label "org.groundwork.secret.version"}} {{.Name}}' | sort -n | tail -1)"
  echo "${newest:-1 $1}"
}

# secret_create ROLE VERSION NAME: creates secret NAME from stdin, labelled as that
# version of ROLE (and org.groundwork.secret=true: `make swarm-down` removes those).
secret_create() {
  docker secret create --label org.groundwork.secret=true \
    --label "org.groundwork.secret.role=$1" --label "org.groundwork.secret.version=$2" \
    "$3" - >/dev/null
}

if [[ -f "$(dirname "${BASH_SOURCE[0]}")/names.env" ]]; then
  # The file once recorded rotations on one operator's host; deploying without it from
  # another checkout recreated a password. Stop rather than guess (secrets/README.md).
  echo "secrets: secrets/names.env is no longer read: rotations are labels in the swarm;" \
    "see 'Moving from secrets/names.env' in secrets/README.md" >&2
  return 1
fi
for role in "${SECRET_ROLES[@]}"; do
  newest="$(secret_newest "$role")"
  export "${role^^}_SECRET=${newest#* }"
done
unset role newest
