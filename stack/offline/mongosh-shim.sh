#!/bin/sh
# `mongosh` in the MongoDB stand-in image answers only the stack's healthcheck
# (`mongosh --quiet --eval 'quit(db.adminCommand("ping").ok ? 0 : 1)'`): it exits 0
# when FerretDB's readiness probe does. Any other use fails loudly.
case "$*" in
  *ping*) exec curl -fsS -o /dev/null --max-time 3 http://127.0.0.1:8088/debug/readyz ;;
  *)
    echo "mongosh: this is the FerretDB stand-in's healthcheck shim, not mongosh" >&2
    exit 2
    ;;
esac
