#!/usr/bin/env bash
# `make secrets`: create each Swarm secret the stack needs that does not exist yet, from
# a strong random value that goes straight from openssl into `docker secret create` —
# never printed, never written to disk, never in a shell variable. Existing secrets are
# left alone (rotation is a deliberate act: secrets/README.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=secrets/names.sh
source secrets/names.sh

for name in "$MONGO_ROOT_PASSWORD_SECRET" "$MONGO_PASSWORD_SECRET" \
  "$REDIS_PASSWORD_SECRET" "$ADMIN_PASSWORD_SECRET"; do
  if docker secret inspect "$name" >/dev/null 2>&1; then
    echo "secrets: $name exists, kept"
    continue
  fi
  # 32 random bytes = 256 bits, as hex: [0-9a-f] needs no escaping where the app joins
  # it into MONGO_URL/REDIS_URL or Redis reads it from a config line.
  openssl rand -hex 32 | tr -d '\n' |
    docker secret create --label org.groundwork.secret=true "$name" - >/dev/null
  echo "secrets: $name created"
done
