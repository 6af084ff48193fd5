#!/usr/bin/env bash
# `make tls CERT=chain.pem KEY=key.pem [NAMES="api.example.com ..."]`: installs a TLS
# certificate for nginx. Everything is checked before anything changes:
#   - the certificate (the server's first, then its chain) and the key parse as PEM,
#     and the key is not passphrase-protected (nginx must read it unattended);
#   - the key is the certificate's;
#   - the certificate is valid now and for at least another day;
#   - it lists subject alternative names, and covers each of NAMES (DNS names or IPs).
# Then both become Swarm secrets named after the certificate's digest and the stack's
# nginx moves to them (a rolling update of nginx; stack/README.md "The edge").
# The key's content is never printed.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cert="${1:-}" key="${2:-}" stack="${3:-groundwork}"
fail() {
  echo "tls: $*; nothing was changed" >&2
  exit 1
}
[[ -n "$cert" && -n "$key" ]] || fail "usage: make tls CERT=chain.pem KEY=key.pem [NAMES='host ...']"
[[ -r "$cert" ]] || fail "cannot read the certificate $cert"
[[ -r "$key" ]] || fail "cannot read the key $key"
openssl x509 -in "$cert" -noout 2>/dev/null || fail "$cert is not a PEM certificate"
openssl pkey -in "$key" -passin pass: -noout 2>/dev/null ||
  fail "$key is not an unencrypted PEM private key"
cert_pub="$(openssl x509 -in "$cert" -noout -pubkey)"
key_pub="$(openssl pkey -in "$key" -passin pass: -pubout)"
[[ "$cert_pub" == "$key_pub" ]] || fail "$key is not the key of the certificate in $cert"
not_after="$(openssl x509 -in "$cert" -noout -enddate | cut -d= -f2)"
openssl x509 -in "$cert" -noout -checkend 86400 >/dev/null || fail "the certificate expires or expired on $not_after"
not_before="$(openssl x509 -in "$cert" -noout -startdate | cut -d= -f2)"
(($(date -d "$not_before" +%s) <= $(date +%s))) || fail "the certificate is not valid before $not_before"
sans="$(openssl x509 -in "$cert" -noout -ext subjectAltName 2>/dev/null | tail -n +2 | tr -d ' ')"
[[ -n "$sans" ]] || fail "the certificate lists no subject alternative names (clients ignore the CN)"
for name in ${NAMES:-}; do
  if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then
    openssl x509 -in "$cert" -noout -checkip "$name" | grep -q 'does match' ||
      fail "the certificate does not cover $name (it lists $sans)"
  else
    openssl x509 -in "$cert" -noout -checkhost "$name" | grep -q 'does match' ||
      fail "the certificate does not cover $name (it lists $sans)"
  fi
done

service="${stack}_nginx"
docker service inspect "$service" >/dev/null 2>&1 ||
  fail "no service $service: deploy the stack first (make up or make swarm)"
# shellcheck source=stack/swarm/lib.sh
source stack/swarm/lib.sh
old_cert="$(current_secret "$service" tls_cert)"
old_key="$(current_secret "$service" tls_key)"
digest="$(sha256sum "$cert" | cut -c1-12)"
new_cert="tls_cert_$digest" new_key="tls_key_$digest"
if [[ "$new_cert" == "$old_cert" ]]; then
  echo "tls: nginx already serves this certificate ($new_cert); nothing to do"
  exit 0
fi
for pair in "$new_cert:$cert" "$new_key:$key"; do
  if ! docker secret inspect "${pair%%:*}" >/dev/null 2>&1; then
    docker secret create --label org.groundwork.secret=true "${pair%%:*}" "${pair#*:}" >/dev/null
  fi
done
started=$SECONDS
docker service update --detach=false --quiet \
  ${old_cert:+--secret-rm "$old_cert"} --secret-add "source=$new_cert,target=tls_cert,mode=0444" \
  ${old_key:+--secret-rm "$old_key"} --secret-add "source=$new_key,target=tls_key,mode=0400" \
  "$service" >/dev/null
# The CLI returns once the new task runs; Swarm calls the update done only after its
# `monitor` window (15 s), or rolls it back.
poll "the nginx update finished" 120 service_converged "$service"
state="$(docker service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$service")"
[[ -z "$state" || "$state" == completed ]] ||
  { echo "tls: the nginx update ended '$state'; see docker service ps $service" >&2 && exit 1; }
echo "tls: nginx serves $new_cert (valid until $not_after, names $sans) after $((SECONDS - started)) s"
echo "tls: the previous pair ($old_cert, $old_key) is kept; docker secret rm them once you are sure"
