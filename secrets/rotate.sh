#!/usr/bin/env bash
# `bash secrets/rotate.sh ROLE < value`: records a rotation in the swarm. Creates the
# role's next version (redis_password_v2, then _v3, ...) from the value on stdin (never
# a command line), labelled so that from now on every `make up`, from any checkout,
# deploys it (secrets/names.sh). Prints the new name. The steps around it, which move
# the services without downtime, are in secrets/README.md.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=secrets/names.sh
source secrets/names.sh
role="${1:?usage: secrets/rotate.sh ROLE < value (ROLE: ${SECRET_ROLES[*]})}"
if [[ " ${SECRET_ROLES[*]} " != *" $role "* ]]; then
  echo "rotate: no secret role $role (roles: ${SECRET_ROLES[*]})" >&2
  exit 2
fi
newest="$(secret_newest "$role")"
version=$((${newest%% *} + 1))
name="${role}_v$version"
secret_create "$role" "$version" "$name"
echo "$name"
