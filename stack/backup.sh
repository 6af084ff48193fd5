#!/usr/bin/env bash
# make backup / make backups / make restore: the backup engine (app/backup) run inside the
# stack's running backup task, on whichever node it is, as an operator would by hand.
#
#   stack/backup.sh backup  [STACK]   one archive now; a copy in ./backups/; prints its path
#   stack/backup.sh list    [STACK]   the archives on the backup volume, newest last
#   stack/backup.sh restore [STACK]   FILE= an archive's name on the volume or a local path
#                                     (default: the newest on the volume); FORCE=1 to
#                                     replace a database that is not empty
#
# The docker CLI talks to a manager (DOCKER_HOST, or this machine's engine; after
# `make cluster`, the first cluster node that answers). The backup task may run on
# another node: its engine is found in .local/cluster/engines (make cluster), else
# reached over ssh by the node's hostname (ssh://HOSTNAME; BACKUP_NODE_SSH_USER sets a
# user), as `docker` does with any ssh:// DOCKER_HOST.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=stack/swarm/lib.sh
source stack/swarm/lib.sh
command="${1:?usage: stack/backup.sh backup|list|restore [STACK]}"
stack="${2:-groundwork}"
service="${stack}_backup"
engines=.local/cluster/engines

fail() {
  echo "$command: $*" >&2
  exit 1
}

is_manager() { [[ "$(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" == true ]]; }

# No DOCKER_HOST and no manager here, but `make cluster` ran: talk to its first live manager.
if [[ -z "${DOCKER_HOST:-}" ]] && ! is_manager && [[ -f "$engines" ]]; then
  while read -r _ engine; do
    if DOCKER_HOST="$engine" is_manager; then
      export DOCKER_HOST="$engine"
      break
    fi
  done <"$engines"
fi
is_manager || fail "no Swarm manager answers (set DOCKER_HOST to one)"

# The backup task's container, and the engine of the node it runs on (task_engine; empty
# when that is the engine talked to already).
task_container="" task_engine="" task_node=""
running_task() {
  local task
  task="$(docker service ps "$service" --filter desired-state=running --no-trunc -q 2>/dev/null | head -1)"
  [[ -n "$task" && "$(docker inspect -f '{{.Status.State}}' "$task")" == running ]] || return 1
  task_container="$(docker inspect -f '{{.Status.ContainerStatus.ContainerID}}' "$task")"
  task_node="$(docker inspect -f '{{.NodeID}}' "$task")"
}
docker service inspect "$service" >/dev/null 2>&1 || fail "stack $stack has no backup service (make up deploys it)"
poll "a running $service task" "${BACKUP_WAIT:-120}" running_task
if [[ "$task_node" != "$(docker info --format '{{.Swarm.NodeID}}')" ]]; then
  hostname="$(docker node inspect -f '{{.Description.Hostname}}' "$task_node")"
  task_engine="$(awk -v h="$hostname" '$1 == h { print $2 }' "$engines" 2>/dev/null || true)"
  task_engine="${task_engine:-ssh://${BACKUP_NODE_SSH_USER:+$BACKUP_NODE_SSH_USER@}$hostname}"
fi

# in_task ARGS...: `docker exec` in the backup task's container, as the image's user;
# in_task_stdin passes this script's stdin on.
in_task() {
  if [[ -n "$task_engine" ]]; then
    DOCKER_HOST="$task_engine" docker exec "$task_container" "$@"
  else
    docker exec "$task_container" "$@"
  fi
}
in_task_stdin() {
  if [[ -n "$task_engine" ]]; then
    DOCKER_HOST="$task_engine" docker exec -i "$task_container" "$@"
  else
    docker exec -i "$task_container" "$@"
  fi
}
engine_cli() { in_task node dist/app/backup/cli.js "$@"; }

backup() {
  local line name data_node
  line="$(engine_cli run)" || fail "the backup failed (its log: make logs-since SERVICE=backup)"
  echo "$line"
  name="$(awk '{ print $2 }' <<<"$line")"
  [[ "$name" =~ ^groundwork-[0-9TZ.-]+\.tar\.gz$ ]] || fail "unexpected answer from the engine: $line"
  mkdir -p backups
  in_task cat "/backups/$name" >"backups/.$name.partial"
  mv "backups/.$name.partial" "backups/$name"
  echo "backup: copied to $PWD/backups/$name"
  data_node="$(docker node ls -q --filter node.label=groundwork.data=true | head -1)"
  if [[ "$task_node" == "$data_node" ]]; then
    echo "backup: WARNING: the backup volume is on the data node (one-node swarm): losing that" \
      "disk loses both; keep the copy in ./backups/ somewhere else"
  fi
}

restore() {
  local file="${FILE:-}" args=() upload="" status=0
  if [[ "${FORCE:-}" == 1 ]]; then args+=(--force); fi
  if [[ -n "$file" && ( "$file" == */* || -f "$file" ) ]]; then
    [[ -f "$file" ]] || fail "no such file: $file"
    # A local archive goes to the volume under a name the engine never lists, then is removed.
    upload="/backups/.upload-$$.tar.gz"
    # shellcheck disable=SC2016 # $1 is the inner shell's
    in_task_stdin sh -c 'cat >"$1"' sh "$upload" <"$file"
    args+=("$upload")
  elif [[ -n "$file" ]]; then
    args+=("$file")
  fi
  engine_cli restore "${args[@]}" || status=$?
  if [[ -n "$upload" ]]; then in_task rm -f "$upload" || true; fi
  case "$status" in
    0) ;;
    3) fail "refused: the database is not empty (FORCE=1 replaces what it holds)" ;;
    *) fail "nothing was restored (exit $status)" ;;
  esac
}

case "$command" in
  backup) backup ;;
  list) engine_cli list ;;
  restore) restore ;;
  *)
    echo "usage: stack/backup.sh backup|list|restore [STACK]" >&2
    exit 2
    ;;
esac
