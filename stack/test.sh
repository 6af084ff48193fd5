#!/usr/bin/env bash
# `make test`: the CI gate, in the order that fails fastest — typecheck, lint, format,
# static checks of the stack, then every test against real servers (the mocha root
# hook starts Redis and FerretDB on free ports and stops them when the run ends).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== typecheck"; npm run -s typecheck
echo "== lint"; npm run -s lint
echo "== format"; npm run -s format:check
if [ -f stack/check-static.sh ]; then
  echo "== stack static checks"; bash stack/check-static.sh
fi
echo "== build"; npm run -s build
echo "== tests"; npx c8 --reporter=text-summary mocha
