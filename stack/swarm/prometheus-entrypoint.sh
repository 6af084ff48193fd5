#!/bin/sh
# Starts Prometheus listening only on its docker_gwbridge address, the interface of its
# default route: where `make monitor` (stack/monitor.sh) and operators reach it. Not on
# the `monitoring` overlay, which it shares with the web replicas it scrapes: a scrape
# is a connection Prometheus opens, so nothing needs to connect to it there, and a web
# task that tried would find the port closed (tests/e2e/closed-planes).
# POSIX sh and awk, so that it runs in the official (busybox) image and the stand-in.
set -eu

# The default route's interface and its subnet from /proc/net/route (hex, little-endian),
# then the local address inside that subnet from /proc/net/fib_trie.
address="$(awk '
  function byte(h, i) { return (index("0123456789ABCDEF", substr(h, i, 1)) - 1) * 16 + index("0123456789ABCDEF", substr(h, i + 1, 1)) - 1 }
  function le(h) { return ((byte(h, 7) * 256 + byte(h, 5)) * 256 + byte(h, 3)) * 256 + byte(h, 1) }
  function dotted(s, p) { split(s, p, "."); return ((p[1] * 256 + p[2]) * 256 + p[3]) * 256 + p[4] }
  FILENAME ~ /route$/ && $2 == "00000000" && $8 == "00000000" { iface = $1 }
  FILENAME ~ /route$/ && $2 != "Destination" { net[$1, ++n[$1]] = $2 " " $8 }
  FILENAME ~ /fib_trie$/ && $1 == "|--" { last = $2 }
  FILENAME ~ /fib_trie$/ && /\/32 host LOCAL/ { local_ip[last] = 1 }
  END {
    if (iface == "") exit
    for (i = 1; i <= n[iface]; i++) {
      split(net[iface, i], r, " ")
      if (r[1] == "00000000") continue
      subnet = le(r[1]); mask = le(r[2]); size = 4294967296 - mask
      for (ip in local_ip)
        if (int(dotted(ip) / size) * size == subnet) { print ip; exit }
    }
  }' /proc/net/route /proc/net/fib_trie)"
if [ -z "$address" ]; then
  # Fail closed: listening everywhere would open the API to the web replicas.
  echo "prometheus-entrypoint: no default route (docker_gwbridge) address; not starting" >&2
  exit 1
fi
# Its own metrics are scraped at that address (prometheus.yml, job prometheus).
mkdir -p /run/prometheus
printf '[{"targets": ["%s:9090"]}]\n' "$address" >/run/prometheus/self.json
exec /bin/prometheus --web.listen-address="$address:9090" "$@"
