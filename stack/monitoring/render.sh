#!/usr/bin/env bash
# Renders the monitoring configs the stack deploys into DIR (default .local/monitoring):
# prometheus.yml, rules.yml and alertmanager.yml from this folder, with these knobs:
#
#   ALERT_WEBHOOK_URL         where Alertmanager posts alerts (webhook JSON); unset:
#                             alerts are only on Alertmanager's page
#   MONITOR_SCRAPE_INTERVAL   scrape and rule evaluation interval (15s)
#   MONITOR_ALERT_FOR         replaces every rule's `for:` (unset: as written in rules.yml)
#   MONITOR_GROUP_WAIT        Alertmanager's group_wait (30s)
#   MONITOR_GROUP_INTERVAL    Alertmanager's group_interval (5m): how soon a change in a
#                             group (a new or resolved alert) is sent
#
# The defaults are production's; tests/e2e/alerts.test.ts shortens them so an alert
# fires and resolves within seconds. stack/swarm/lib.sh runs this before each deploy.
set -euo pipefail
shopt -s inherit_errexit
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-.local/monitoring}"
mkdir -p "$out"

# A duration as Prometheus writes them (30s, 5m, 1h30m, 500ms); anything else stops here.
duration() {
  local name="$1" value="$2"
  if [[ ! "$value" =~ ^([0-9]+(ms|s|m|h))+$ ]]; then
    echo "render: $name=$value is not a duration like 15s or 5m" >&2
    return 1
  fi
  echo "$value"
}

interval="$(duration MONITOR_SCRAPE_INTERVAL "${MONITOR_SCRAPE_INTERVAL:-15s}")"
sed -E "s/^(  (scrape|evaluation)_interval: ).*/\1$interval/" "$here/prometheus.yml" >"$out/prometheus.yml"

if [[ -n "${MONITOR_ALERT_FOR:-}" ]]; then
  alert_for="$(duration MONITOR_ALERT_FOR "$MONITOR_ALERT_FOR")"
  sed -E "s/^( +for: ).*/\1$alert_for/" "$here/rules.yml" >"$out/rules.yml"
else
  cp "$here/rules.yml" "$out/rules.yml"
fi

group_wait="$(duration MONITOR_GROUP_WAIT "${MONITOR_GROUP_WAIT:-30s}")"
group_interval="$(duration MONITOR_GROUP_INTERVAL "${MONITOR_GROUP_INTERVAL:-5m}")"
sed -E -e "s/^(  group_wait: ).*/\1$group_wait/" -e "s/^(  group_interval: ).*/\1$group_interval/" \
  "$here/alertmanager.yml" >"$out/alertmanager.yml"
if [[ -n "${ALERT_WEBHOOK_URL:-}" ]]; then
  if [[ ! "$ALERT_WEBHOOK_URL" =~ ^https?://[^[:space:]\"]+$ ]]; then
    echo "render: ALERT_WEBHOOK_URL must be an http(s) URL" >&2
    exit 1
  fi
  # send_resolved: the receiver hears when the alert is over, too.
  cat >>"$out/alertmanager.yml" <<YAML
    webhook_configs:
      - url: "$ALERT_WEBHOOK_URL"
        send_resolved: true
YAML
fi
