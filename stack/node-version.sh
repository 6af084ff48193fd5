#!/usr/bin/env bash
# Prints the Node version groundwork ships on: the one the Dockerfile's production base
# pins (ARG NODE_IMAGE=node:X.Y.Z-...). The offline stand-in base (stack/offline/images.sh)
# and the Node the tests run on outside Docker (stack/install.sh) take it from here, so
# the three cannot drift apart.
set -euo pipefail
dockerfile="$(dirname "${BASH_SOURCE[0]}")/../Dockerfile"
version="$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9]*\.[0-9]*\.[0-9]*\)-.*/\1/p' "$dockerfile")"
if [[ -z "$version" ]]; then
  echo "node-version: no ARG NODE_IMAGE=node:X.Y.Z-... in $dockerfile" >&2
  exit 1
fi
echo "$version"
