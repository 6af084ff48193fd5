# shellcheck shell=bash
# What `make up` (stack/up.sh) compares before and after a `docker stack deploy`: the
# state of each service, a wait that cannot mistake the old state for convergence, and
# a report of what changed. Sourced after stack/swarm/lib.sh, with its shell options.

# service_state SERVICE: NAME IMAGE REPLICAS SECRETS UPDATE_STARTED TEMPLATE, one line.
# SECRETS is comma-separated; UPDATE_STARTED (ns, 0 if never) moves with each rolling
# update; TEMPLATE hashes the task spec, which every rolling update changes.
service_state() {
  local format fields template
  format='{{.Spec.Name}} {{.Spec.TaskTemplate.ContainerSpec.Image}}'
  format+=' {{if .Spec.Mode.Replicated}}{{.Spec.Mode.Replicated.Replicas}}{{else}}global{{end}}'
  format+=' {{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}},{{else}}-{{end}}'
  format+=' {{if .UpdateStatus}}{{if .UpdateStatus.StartedAt}}{{.UpdateStatus.StartedAt.UnixNano}}{{else}}0{{end}}{{else}}0{{end}}'
  fields="$(docker service inspect -f "$format" "$1")"
  template="$(docker service inspect -f '{{json .Spec.TaskTemplate}}' "$1" | sha256sum | cut -c1-12)"
  echo "$fields $template"
}

# stack_state STACK: service_state of each service of STACK (nothing if there is none).
stack_state() {
  local service services
  services="$(docker stack services "$1" --format '{{.Name}}' 2>/dev/null | sort || true)"
  for service in $services; do service_state "$service"; done
}

# state_of STATE SERVICE: SERVICE's line of a stack_state.
state_of() {
  awk -v s="$2" '$1 == s' <<<"$1"
}

# wait_for_deploy STACK BEFORE SECONDS: after a deploy, waits until Swarm has started
# the rolling update of every service whose task spec changed (until then the old tasks
# look converged), then until the whole stack has converged; fails if Swarm rolled an
# update back.
wait_for_deploy() {
  local stack="$1" before="$2" seconds="$3" service old new state
  local -a updated=()
  while read -r service _ _ _ _ new; do
    old="$(state_of "$before" "$service")"
    if [[ -n "$old" && "${old##* }" != "$new" ]]; then updated+=("$service"); fi
  done < <(stack_state "$stack")
  for service in "${updated[@]}"; do
    old="$(state_of "$before" "$service" | awk '{ print $5 }')"
    poll "the rolling update of $service started" 60 update_started_since "$service" "$old"
  done
  poll "every service of $stack converged and healthy" "$seconds" stack_converged "$stack" ||
    { show_tasks "$stack"; return 1; }
  for service in "${updated[@]}"; do
    state="$(docker service inspect -f '{{.UpdateStatus.State}}' "$service")"
    if [[ "$state" != completed ]]; then
      echo "up: FAILED — Swarm says the update of $service is '$state':" \
        "$(docker service inspect -f '{{.UpdateStatus.Message}}' "$service")" >&2
      return 1
    fi
  done
}

# update_started_since SERVICE NANOSECONDS: a rolling update of SERVICE started after it.
update_started_since() {
  [[ "$(service_state "$1" | awk '{ print $5 }')" != "$2" ]]
}

# report_changes BEFORE AFTER: one line per service created and per image, replica count
# or set of secrets that changed, and for a task spec changed otherwise (the stack file
# or nginx config); says so when nothing did.
report_changes() {
  local before="$1" after="$2" changed=false service image replicas secrets template old
  local old_image old_replicas old_secrets old_template
  while read -r service image replicas secrets _ template; do
    [[ -n "$service" ]] || continue
    old="$(state_of "$before" "$service")"
    if [[ -z "$old" ]]; then
      echo "up: $service created ($image, replicas $replicas)"
      changed=true
      continue
    fi
    read -r _ old_image old_replicas old_secrets _ old_template <<<"$old"
    if [[ "$old_image" != "$image" ]]; then echo "up: $service image $old_image -> $image"; changed=true; fi
    if [[ "$old_replicas" != "$replicas" ]]; then echo "up: $service replicas $old_replicas -> $replicas"; changed=true; fi
    if [[ "$old_secrets" != "$secrets" ]]; then echo "up: $service secrets ${old_secrets%,} -> ${secrets%,}"; changed=true; fi
    if [[ "$old_image $old_secrets $old_template" == "$image $secrets $template" ]]; then continue; fi
    if [[ "$old_image $old_secrets" == "$image $secrets" ]]; then
      echo "up: $service updated to the stack file's settings (rolling update)"
      changed=true
    fi
  done <<<"$after"
  if [[ "$changed" == false ]]; then echo "up: no image, replica count or secret changed"; fi
}
