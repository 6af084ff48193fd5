#!/usr/bin/env bash
# `make secrets`: create each Swarm secret the stack needs that does not exist yet, from
# a strong random value that goes straight from openssl into `docker secret create` —
# never printed, never written to disk, never in a shell variable. Existing secrets are
# left alone (rotation is a deliberate act: secrets/README.md). The name of each is
# the one the swarm records as current (secrets/names.sh).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=secrets/names.sh
source secrets/names.sh

for role in "${SECRET_ROLES[@]}"; do
  variable="${role^^}_SECRET"
  name="${!variable}"
  if docker secret inspect "$name" >/dev/null 2>&1; then
    echo "secrets: $name exists, kept"
    continue
  fi
  # 32 random bytes = 256 bits, as hex: [0-9a-f] needs no escaping where the app joins
  # it into MONGO_URL/REDIS_URL or Redis reads it from a config line.
  openssl rand -hex 32 | tr -d '\n' | secret_create "$role" 1 "$name"
  echo "secrets: $name created"
done
