#!/usr/bin/env bash
# Static checks of the stack, run by `make test` (stack/test.sh): the tools that would
# reject a bad deploy, run here without a Docker engine. Every check runs; the script
# fails if any did.
#   1. docker stack config    the stack file parses and interpolates as Swarm reads it
#   2. nginx rendering        nginx/nginx.stack.conf is what the template renders today
#   3. nginx -t               the template, rendered with local upstreams, as CI's and
#                             the benchmark's nginx load it, and with both edge
#                             settings on (HTTPS-only, behind a PROXY-protocol balancer)
#   4. shellcheck             every *.sh in the repository
#   5. promtool / amtool      the alert rules' unit tests (stack/monitoring/rules.test.yml),
#                             and `check config` of the monitoring configs as deployed:
#                             rendered with production values and with the e2e test's
#                             short ones
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

failed=()
check() {
  local name="$1"
  shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name" >&2 && failed+=("$name"); fi
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

stack_config() { docker stack config -c docker-stack.yml >"$tmp/stack.yml"; }

stack_rendering_current() {
  bash nginx/render.sh stack >"$tmp/nginx.stack.conf" || return 1
  if ! diff -u nginx/nginx.stack.conf "$tmp/nginx.stack.conf"; then
    echo "nginx/nginx.stack.conf is stale: run nginx/render.sh stack nginx/nginx.stack.conf" >&2
    return 1
  fi
}

# nginx -t with a private prefix: pid, logs and temp paths all under $tmp.
nginx_test() {
  local variant="$1" dir="$tmp/nginx-$1-${EDGE_HTTPS_ONLY:-}"
  mkdir -p "$dir"
  NGINX_RUNTIME_DIR="$dir" bash nginx/render.sh "$variant" "$dir/nginx.conf" &&
    nginx -t -q -p "$dir/" -c "$dir/nginx.conf"
}

nginx_test_edge_settings() {
  EDGE_HTTPS_ONLY=true EDGE_PROXY_FROM="10.0.0.0/8 192.0.2.7" nginx_test check
}

shellcheck_all() {
  local scripts=()
  mapfile -d '' scripts < <(find . \( -name node_modules -o -name .local -o -name .git \
    -o -name dist -o -path ./stack/ferretdb \) -prune -o -type f -name '*.sh' -print0)
  shellcheck -x "${scripts[@]}"
}

# The monitoring configs as stack/swarm/lib.sh renders them for a deploy (MONITOR_* and
# ALERT_WEBHOOK_URL from the environment), checked by the tools of the same release line.
monitoring_config() {
  local dir
  dir="$(mktemp -d)"
  bash stack/monitoring/render.sh "$dir" &&
    .local/prometheus/promtool check config "$dir/prometheus.yml" >/dev/null &&
    .local/prometheus/amtool check-config "$dir/alertmanager.yml" >/dev/null
  local status=$?
  rm -rf "$dir"
  return "$status"
}

monitoring_config_e2e() {
  ALERT_WEBHOOK_URL=http://192.0.2.1:9/alerts MONITOR_SCRAPE_INTERVAL=2s MONITOR_ALERT_FOR=4s \
    MONITOR_GROUP_WAIT=1s MONITOR_GROUP_INTERVAL=2s monitoring_config
}

check "docker stack config -c docker-stack.yml" stack_config
check "nginx/nginx.stack.conf matches the template" stack_rendering_current
check "nginx -t (stack config, local upstreams)" nginx_test check
check "nginx -t (benchmark rendering)" nginx_test bench
check "nginx -t (HTTPS-only, PROXY protocol)" nginx_test_edge_settings
check "shellcheck" shellcheck_all
check "promtool test rules (every alert fires, and stays silent when healthy)" \
  .local/prometheus/promtool test rules stack/monitoring/rules.test.yml
check "promtool check config + amtool check-config (production rendering)" monitoring_config
check "promtool check config + amtool check-config (e2e rendering)" monitoring_config_e2e

if ((${#failed[@]} > 0)); then
  echo "stack static checks failed: ${failed[*]}" >&2
  exit 1
fi
