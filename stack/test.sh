#!/usr/bin/env bash
# `make test`: the CI gate, in the order that fails fastest — typecheck, lint, format,
# static checks of the stack, then every test against real servers (the mocha root
# hook starts Redis and FerretDB on free ports and stops them when the run ends), the
# real Docker Swarm included: tests/e2e bring the stack up with `make swarm`'s script
# and remove it at the end; then tests/cluster run on 3 Swarm nodes (`make cluster`),
# in a mocha run of their own once the single-node stack is gone, so that the two
# never compete for this machine's 2 CPUs. SKIP_SWARM=1 leaves both out, and says so.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
# The Node the image ships (stack/install.sh puts it there when the machine's is another).
export PATH="$PWD/.local/node/bin:$PATH"

echo "== typecheck"; npm run -s typecheck
echo "== lint"; npm run -s lint
echo "== format"; npm run -s format:check
if [ -f stack/check-static.sh ]; then
  echo "== stack static checks"; bash stack/check-static.sh
fi
echo "== build"; npm run -s build
echo "== tests"
mkdir -p .local
# The single-node stack, only if the tests created it (stack/swarm/test-stack.sh).
remove_test_stack() {
  if bash stack/swarm/test-stack.sh marked groundwork; then
    bash stack/swarm.sh down && bash stack/swarm/test-stack.sh unmark groundwork
  fi
}
specs=('tests/unit/**/*.test.ts' 'tests/integration/**/*.test.ts' 'tests/stack/**/*.test.ts')
if [[ -n "${SKIP_SWARM:-}" ]]; then
  echo "SKIP_SWARM=1: the real-Swarm tests (tests/e2e, tests/cluster) are NOT run"
else
  specs+=('tests/e2e/**/*.test.ts')
  # A stack named groundwork that the tests did not create is an operator's: stop here
  # rather than redeploy and remove it (E2E_REPLACE_STACK=1 lets them).
  bash stack/swarm/test-stack.sh check groundwork
  # Whatever happens to mocha, the stack the tests made, its volumes and secrets and the
  # cluster's node containers do not outlive the run.
  trap '[[ -n "${E2E_KEEP_SWARM:-}" ]] || remove_test_stack >/dev/null 2>&1 || true
        [[ -n "${CLUSTER_KEEP:-}" ]] || bash stack/cluster.sh down >/dev/null 2>&1 || true' EXIT
fi

# mocha's own summary ("N passing") is not a closing line CI tools read; the line
# after all runs restates the counts in the plain "N passed, N failed" form.
passed=0 failed=0 status=0
count() {
  local n
  n=$(grep -oE '^ +[0-9]+ passing' "$1" | grep -oE '[0-9]+' | tail -1 || true)
  passed=$((passed + ${n:-0}))
  n=$(grep -oE '^ +[0-9]+ failing' "$1" | grep -oE '[0-9]+' | tail -1 || true)
  failed=$((failed + ${n:-0}))
}
set +e
npx c8 --reporter=text-summary mocha "${specs[@]}" 2>&1 | tee .local/mocha.log
status=${PIPESTATUS[0]}
set -e
count .local/mocha.log

if [[ -z "${SKIP_SWARM:-}" ]]; then
  echo "== cluster tests (3 Swarm nodes on this machine)"
  [[ -n "${E2E_KEEP_SWARM:-}" ]] || remove_test_stack
  set +e
  npx mocha 'tests/cluster/**/*.test.ts' 2>&1 | tee .local/mocha-cluster.log
  cluster_status=${PIPESTATUS[0]}
  set -e
  count .local/mocha-cluster.log
  if ((status == 0)); then status=$cluster_status; fi
fi

# CI keeps only the end of the output: name each failure there, one line each.
for log in .local/mocha.log .local/mocha-cluster.log; do
  [[ -f "$log" ]] || continue
  sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
    /^ +[0-9]+ failing/ { on = 1; next }
    on && /^  [0-9]+\) / { sub(/^ +/, ""); head = $0; getline; sub(/^ +/, ""); title = $0
                           while ((getline) > 0 && $0 ~ /^ *$/) continue; sub(/^ +/, ""); print "FAILED " head " > " title " " substr($0, 1, 160) }'
done
echo "tests: $passed passed, $failed failed"
exit "$status"
