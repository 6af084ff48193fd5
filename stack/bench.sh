#!/usr/bin/env bash
# `make bench`: builds groundwork, starts a Redis and a FerretDB of its own on free
# ports under .local/bench (stopped again on exit, whatever happens), and runs
# stack/bench/run.ts, which times the fourteen servers of stack/bench/lineup.ts and writes
# .local/bench/results.md and .local/bench/chart.svg.
#
# Knobs (environment): BENCH_SECONDS (8), BENCH_ROUNDS (3), BENCH_CONNECTIONS (50),
# BENCH_RSS_REQUESTS (1000000).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# The Node the image ships (stack/install.sh puts it there when the machine's is another).
export PATH="$root/.local/node/bin:$PATH"
dir="$root/.local/bench"
ferretdb="${FERRETDB_BIN:-$root/.local/bin/ferretdb}"

# The server under test gets a CPU to itself; wrk, Redis, FerretDB and nginx share the
# other, so the load generator never steals the server's cycles. One CPU: all share.
if [[ "$(nproc)" -ge 2 ]]; then server_cpu=0 side_cpu=1; else server_cpu=0 side_cpu=0; fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

wait_port() {
  for _ in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "bench: nothing listened on port $1" >&2
  return 1
}

rm -rf "$dir"
mkdir -p "$dir/data"
echo "bench: building groundwork and the baselines"
npm run --silent build
npx tsc -p stack/bench/tsconfig.json

redis_port="$(free_port)"
mongo_port="$(free_port)"
taskset -c "$side_cpu" redis-server --port "$redis_port" --bind 127.0.0.1 --save '' \
  --appendonly no --dir "$dir/data" >"$dir/redis.log" 2>&1 &
pids+=("$!")
taskset -c "$side_cpu" "$ferretdb" --handler=sqlite --sqlite-url="file:$dir/data/" \
  --listen-addr="127.0.0.1:$mongo_port" --state-dir="$dir/data" --telemetry=disable \
  --log-level=error >"$dir/ferretdb.log" 2>&1 &
pids+=("$!")
wait_port "$redis_port"
wait_port "$mongo_port"

BENCH_ROOT="$root" BENCH_DIR="$dir" BENCH_SERVER_CPU="$server_cpu" BENCH_SIDE_CPU="$side_cpu" \
  REDIS_URL="redis://127.0.0.1:$redis_port" MONGO_URL="mongodb://127.0.0.1:$mongo_port/groundwork_bench" \
  taskset -c "$side_cpu" node --import tsx stack/bench/run.ts
