#!/usr/bin/env bash
# `make secrets`: create each Swarm secret the stack needs that does not exist yet, from
# a strong random value that goes straight from openssl into `docker secret create` —
# never printed, never written to disk, never in a shell variable. Existing secrets are
# left alone (rotation is a deliberate act: secrets/README.md). The name of each is
# the one the swarm records as current (secrets/names.sh).
# A missing TLS pair becomes a self-signed certificate, so HTTPS works out of the box;
# `make tls CERT=... KEY=...` installs a real one.
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

# up.sh names the pair nginx runs with; on a first deploy, or alone, these defaults.
TLS_CERT_SECRET="${TLS_CERT_SECRET:-tls_cert}" TLS_KEY_SECRET="${TLS_KEY_SECRET:-tls_key}"
if docker secret inspect "$TLS_CERT_SECRET" >/dev/null 2>&1 &&
  docker secret inspect "$TLS_KEY_SECRET" >/dev/null 2>&1; then
  echo "secrets: $TLS_CERT_SECRET and $TLS_KEY_SECRET exist, kept"
  exit 0
fi
# The key has to exist as a file for openssl to sign with it: a private directory on a
# tmpfs (/dev/shm) where there is one, removed whatever happens.
tmp="$(mktemp -d "$([[ -d /dev/shm && -w /dev/shm ]] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/groundwork-tls.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
chmod 700 "$tmp"
# ECDSA P-256, a year, for the names a first look uses: localhost, 127.0.0.1 and this host.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
  -subj "/CN=groundwork self-signed" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:$(hostname)" \
  -addext "extendedKeyUsage=serverAuth" \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
docker secret rm "$TLS_CERT_SECRET" "$TLS_KEY_SECRET" >/dev/null 2>&1 || true
docker secret create --label org.groundwork.secret=true "$TLS_CERT_SECRET" "$tmp/cert.pem" >/dev/null
docker secret create --label org.groundwork.secret=true "$TLS_KEY_SECRET" "$tmp/key.pem" >/dev/null
echo "secrets: $TLS_CERT_SECRET and $TLS_KEY_SECRET created (self-signed; make tls CERT=... KEY=... installs yours)"
